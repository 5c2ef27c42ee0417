using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Collect.Storage.Migrations
{
    /// <inheritdoc />
    public partial class AddTrackingPlans : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "collect_quarantine",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SourceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    MessageId = table.Column<string>(type: "TEXT", nullable: true),
                    Type = table.Column<string>(type: "TEXT", maxLength: 20, nullable: true),
                    Event = table.Column<string>(type: "TEXT", nullable: true),
                    UserId = table.Column<string>(type: "TEXT", nullable: true),
                    AnonymousId = table.Column<string>(type: "TEXT", nullable: true),
                    GroupId = table.Column<string>(type: "TEXT", nullable: true),
                    PreviousId = table.Column<string>(type: "TEXT", nullable: true),
                    Timestamp = table.Column<long>(type: "INTEGER", nullable: true),
                    OriginalTimestamp = table.Column<long>(type: "INTEGER", nullable: true),
                    SentAt = table.Column<long>(type: "INTEGER", nullable: true),
                    ReceivedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    Enrichment = table.Column<string>(type: "TEXT", nullable: true),
                    Consent = table.Column<string>(type: "TEXT", nullable: true),
                    Raw = table.Column<string>(type: "TEXT", nullable: false),
                    Reason = table.Column<string>(type: "TEXT", nullable: false),
                    PlanVersion = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    ReplayedAt = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_collect_quarantine", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "collect_tracking_plan_versions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    PlanId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Model = table.Column<int>(type: "INTEGER", nullable: false),
                    Revision = table.Column<int>(type: "INTEGER", nullable: false),
                    Addition = table.Column<int>(type: "INTEGER", nullable: false),
                    Definitions = table.Column<string>(type: "TEXT", nullable: false),
                    PublishedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    PublishedBy = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_collect_tracking_plan_versions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "collect_tracking_plans",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    SourceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Mode = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    AllowUnplannedEvents = table.Column<bool>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_collect_tracking_plans", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_collect_quarantine_SourceId_MessageId",
                table: "collect_quarantine",
                columns: new[] { "SourceId", "MessageId" });

            migrationBuilder.CreateIndex(
                name: "IX_collect_quarantine_WorkspaceId_AnonymousId",
                table: "collect_quarantine",
                columns: new[] { "WorkspaceId", "AnonymousId" });

            migrationBuilder.CreateIndex(
                name: "IX_collect_quarantine_WorkspaceId_Status_Id",
                table: "collect_quarantine",
                columns: new[] { "WorkspaceId", "Status", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_collect_quarantine_WorkspaceId_UserId",
                table: "collect_quarantine",
                columns: new[] { "WorkspaceId", "UserId" });

            migrationBuilder.CreateIndex(
                name: "IX_collect_tracking_plan_versions_PlanId_Model_Revision_Addition",
                table: "collect_tracking_plan_versions",
                columns: new[] { "PlanId", "Model", "Revision", "Addition" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_collect_tracking_plans_SourceId",
                table: "collect_tracking_plans",
                column: "SourceId",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_collect_tracking_plans_WorkspaceId",
                table: "collect_tracking_plans",
                column: "WorkspaceId");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "collect_quarantine");

            migrationBuilder.DropTable(
                name: "collect_tracking_plan_versions");

            migrationBuilder.DropTable(
                name: "collect_tracking_plans");
        }
    }
}
