using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Pulse.Influence.Storage.Migrations.Postgres
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Description = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_creator_groups", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "creators",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Name = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Email = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: true),
                    Country = table.Column<string>(type: "character varying(2)", maxLength: 2, nullable: true),
                    Status = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    Categories = table.Column<string>(type: "character varying(2000)", maxLength: 2000, nullable: false),
                    Followers = table.Column<long>(type: "bigint", nullable: true),
                    ContractType = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: true),
                    ContractStart = table.Column<DateOnly>(type: "date", nullable: true),
                    ContractEnd = table.Column<DateOnly>(type: "date", nullable: true),
                    ContractFee = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: true),
                    ContractCurrency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: true),
                    ContractTerms = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    PayoutMethod = table.Column<string>(type: "character varying(14)", maxLength: 14, nullable: true),
                    PayoutSecret = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: true),
                    PayoutHint = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: true),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_creators", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "creator_group_members",
                columns: table => new
                {
                    GroupId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatorId = table.Column<Guid>(type: "uuid", nullable: false)
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
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    CreatorId = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Platform = table.Column<string>(type: "character varying(12)", maxLength: 12, nullable: false),
                    Handle = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Followers = table.Column<long>(type: "bigint", nullable: true)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatorId = table.Column<Guid>(type: "uuid", nullable: false),
                    Text = table.Column<string>(type: "character varying(4000)", maxLength: 4000, nullable: false),
                    Author = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false)
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
