using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Influence.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Links : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "links",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Slug = table.Column<string>(type: "character varying(64)", maxLength: 64, nullable: false),
                    Url = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: false),
                    Title = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    CreatorId = table.Column<Guid>(type: "uuid", nullable: true),
                    Campaign = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Platform = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: true),
                    Medium = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Content = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Utm = table.Column<bool>(type: "boolean", nullable: false),
                    RedirectStatus = table.Column<int>(type: "integer", nullable: false),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    ExpiresAt = table.Column<long>(type: "bigint", nullable: true),
                    ExpiredUrl = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    PasswordHash = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    IosUrl = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    AndroidUrl = table.Column<string>(type: "character varying(2048)", maxLength: 2048, nullable: true),
                    GeoTargets = table.Column<string>(type: "character varying(250000)", maxLength: 250000, nullable: true),
                    Variants = table.Column<string>(type: "character varying(25000)", maxLength: 25000, nullable: true),
                    TrackParam = table.Column<string>(type: "character varying(40)", maxLength: 40, nullable: false),
                    SourceId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_links", x => x.Id);
                    table.ForeignKey(
                        name: "FK_links_creators_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "creators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateIndex(
                name: "IX_links_CreatorId",
                table: "links",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_links_Slug",
                table: "links",
                column: "Slug",
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_links_WorkspaceId_CreatorId",
                table: "links",
                columns: new[] { "WorkspaceId", "CreatorId" });

            migrationBuilder.CreateIndex(
                name: "IX_links_WorkspaceId_Id",
                table: "links",
                columns: new[] { "WorkspaceId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "links");
        }
    }
}
