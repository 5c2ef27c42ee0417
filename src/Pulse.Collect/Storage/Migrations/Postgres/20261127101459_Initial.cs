using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Collect.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "collect_quarantine",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    SourceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    MessageId = table.Column<string>(type: "text", nullable: true),
                    Type = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: true),
                    Event = table.Column<string>(type: "text", nullable: true),
                    UserId = table.Column<string>(type: "text", nullable: true),
                    AnonymousId = table.Column<string>(type: "text", nullable: true),
                    GroupId = table.Column<string>(type: "text", nullable: true),
                    PreviousId = table.Column<string>(type: "text", nullable: true),
                    Timestamp = table.Column<long>(type: "bigint", nullable: true),
                    OriginalTimestamp = table.Column<long>(type: "bigint", nullable: true),
                    SentAt = table.Column<long>(type: "bigint", nullable: true),
                    ReceivedAt = table.Column<long>(type: "bigint", nullable: false),
                    Enrichment = table.Column<string>(type: "text", nullable: true),
                    Consent = table.Column<string>(type: "text", nullable: true),
                    Raw = table.Column<string>(type: "text", nullable: false),
                    Reason = table.Column<string>(type: "text", nullable: false),
                    PlanVersion = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Status = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false),
                    ReplayedAt = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_collect_quarantine", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "collect_settings",
                columns: table => new
                {
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    IpMode = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    ConsentDefault = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    PseudonymKey = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_collect_settings", x => x.WorkspaceId);
                });

            migrationBuilder.CreateTable(
                name: "collect_sources",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    WriteKey = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    AllowedOrigins = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    MaxEventBytes = table.Column<int>(type: "integer", nullable: true),
                    MaxBatchBytes = table.Column<int>(type: "integer", nullable: true),
                    RateLimitPerSecond = table.Column<int>(type: "integer", nullable: true),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_collect_sources", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "collect_tracking_plan_versions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    PlanId = table.Column<Guid>(type: "uuid", nullable: false),
                    Model = table.Column<int>(type: "integer", nullable: false),
                    Revision = table.Column<int>(type: "integer", nullable: false),
                    Addition = table.Column<int>(type: "integer", nullable: false),
                    Definitions = table.Column<string>(type: "text", nullable: false),
                    PublishedAt = table.Column<long>(type: "bigint", nullable: false),
                    PublishedBy = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_collect_tracking_plan_versions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "collect_tracking_plans",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    SourceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Mode = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    AllowUnplannedEvents = table.Column<bool>(type: "boolean", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
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
                name: "IX_collect_sources_WorkspaceId_Name",
                table: "collect_sources",
                columns: new[] { "WorkspaceId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_collect_sources_WriteKey",
                table: "collect_sources",
                column: "WriteKey",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_collect_tracking_plan_versions_PlanId_Model_Revision_Additi~",
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
                name: "collect_settings");

            migrationBuilder.DropTable(
                name: "collect_sources");

            migrationBuilder.DropTable(
                name: "collect_tracking_plan_versions");

            migrationBuilder.DropTable(
                name: "collect_tracking_plans");
        }
    }
}
