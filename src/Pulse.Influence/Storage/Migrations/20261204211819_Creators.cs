using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Influence.Storage.Migrations
{
    /// <inheritdoc />
    public partial class Creators : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "creator_groups",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Description = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_creator_groups", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "creators",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    Country = table.Column<string>(type: "TEXT", maxLength: 2, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    Categories = table.Column<string>(type: "TEXT", maxLength: 2000, nullable: false),
                    Followers = table.Column<long>(type: "INTEGER", nullable: true),
                    ContractType = table.Column<string>(type: "TEXT", maxLength: 12, nullable: true),
                    ContractStart = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    ContractEnd = table.Column<DateOnly>(type: "TEXT", nullable: true),
                    ContractFee = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: true),
                    ContractCurrency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: true),
                    ContractTerms = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    PayoutMethod = table.Column<string>(type: "TEXT", maxLength: 14, nullable: true),
                    PayoutSecret = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: true),
                    PayoutHint = table.Column<string>(type: "TEXT", maxLength: 12, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_creators", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "creator_group_members",
                columns: table => new
                {
                    GroupId = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatorId = table.Column<Guid>(type: "TEXT", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_creator_group_members", x => new { x.GroupId, x.CreatorId });
                    table.ForeignKey(
                        name: "FK_creator_group_members_creator_groups_GroupId",
                        column: x => x.GroupId,
                        principalTable: "creator_groups",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                    table.ForeignKey(
                        name: "FK_creator_group_members_creators_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "creators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "creator_handles",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    CreatorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Platform = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    Handle = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Followers = table.Column<long>(type: "INTEGER", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_creator_handles", x => x.Id);
                    table.ForeignKey(
                        name: "FK_creator_handles_creators_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "creators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateTable(
                name: "creator_notes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    CreatorId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Text = table.Column<string>(type: "TEXT", maxLength: 4000, nullable: false),
                    Author = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_creator_notes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_creator_notes_creators_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "creators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_creator_group_members_CreatorId",
                table: "creator_group_members",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_creator_groups_WorkspaceId_Name",
                table: "creator_groups",
                columns: new[] { "WorkspaceId", "Name" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_creator_handles_CreatorId",
                table: "creator_handles",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_creator_handles_WorkspaceId_Platform_Handle",
                table: "creator_handles",
                columns: new[] { "WorkspaceId", "Platform", "Handle" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_creator_notes_CreatorId_Id",
                table: "creator_notes",
                columns: new[] { "CreatorId", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_creators_WorkspaceId_Email",
                table: "creators",
                columns: new[] { "WorkspaceId", "Email" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_creators_WorkspaceId_Followers",
                table: "creators",
                columns: new[] { "WorkspaceId", "Followers" });

            migrationBuilder.CreateIndex(
                name: "IX_creators_WorkspaceId_Id",
                table: "creators",
                columns: new[] { "WorkspaceId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "creator_group_members");

            migrationBuilder.DropTable(
                name: "creator_handles");

            migrationBuilder.DropTable(
                name: "creator_notes");

            migrationBuilder.DropTable(
                name: "creator_groups");

            migrationBuilder.DropTable(
                name: "creators");
        }
    }
}
