using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Destinations.Storage.Migrations
{
    /// <inheritdoc />
    public partial class DestinationErasures : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AnonymousId",
                table: "dead_letters",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "UserId",
                table: "dead_letters",
                type: "TEXT",
                maxLength: 200,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "destination_erasures",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DestinationId = table.Column<Guid>(type: "TEXT", nullable: false),
                    DestinationName = table.Column<string>(type: "TEXT", maxLength: 100, nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Outcome = table.Column<string>(type: "TEXT", maxLength: 12, nullable: false),
                    Status = table.Column<int>(type: "INTEGER", nullable: true),
                    Ids = table.Column<int>(type: "INTEGER", nullable: false),
                    Message = table.Column<string>(type: "TEXT", maxLength: 1000, nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_destination_erasures", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_dead_letters_WorkspaceId_AnonymousId",
                table: "dead_letters",
                columns: new[] { "WorkspaceId", "AnonymousId" });

            migrationBuilder.CreateIndex(
                name: "IX_dead_letters_WorkspaceId_UserId",
                table: "dead_letters",
                columns: new[] { "WorkspaceId", "UserId" });

            migrationBuilder.CreateIndex(
                name: "IX_destination_erasures_WorkspaceId_Id",
                table: "destination_erasures",
                columns: new[] { "WorkspaceId", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "destination_erasures");

            migrationBuilder.DropIndex(
                name: "IX_dead_letters_WorkspaceId_AnonymousId",
                table: "dead_letters");

            migrationBuilder.DropIndex(
                name: "IX_dead_letters_WorkspaceId_UserId",
                table: "dead_letters");

            migrationBuilder.DropColumn(
                name: "AnonymousId",
                table: "dead_letters");

            migrationBuilder.DropColumn(
                name: "UserId",
                table: "dead_letters");
        }
    }
}
