using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Influence.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class ConversionVisitor : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AnonymousId",
                table: "conversions",
                type: "character varying(200)",
                maxLength: 200,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Country",
                table: "conversions",
                type: "character varying(2)",
                maxLength: 2,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "Ip",
                table: "conversions",
                type: "character varying(45)",
                maxLength: 45,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_conversions_WorkspaceId_OccurredAt",
                table: "conversions",
                columns: new[] { "WorkspaceId", "OccurredAt" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_conversions_WorkspaceId_OccurredAt",
                table: "conversions");

            migrationBuilder.DropColumn(
                name: "AnonymousId",
                table: "conversions");

            migrationBuilder.DropColumn(
                name: "Country",
                table: "conversions");

            migrationBuilder.DropColumn(
                name: "Ip",
                table: "conversions");
        }
    }
}
