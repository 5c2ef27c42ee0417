using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Collect.Storage.Migrations
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "collect_settings",
                columns: table => new
                {
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    IpMode = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    ConsentDefault = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    PseudonymKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    AnomalyWebhookUrl = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_collect_settings", x => x.WorkspaceId);
                });

            migrationBuilder.CreateTable(
                name: "collect_sources",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    WriteKey = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    AllowedOrigins = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    MaxEventBytes = table.Column<int>(type: "INTEGER", nullable: true),
                    MaxBatchBytes = table.Column<int>(type: "INTEGER", nullable: true),
                    RateLimitPerSecond = table.Column<int>(type: "INTEGER", nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_collect_sources", x => x.Id);
                });

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
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "collect_settings");

            migrationBuilder.DropTable(
                name: "collect_sources");
        }
    }
}
