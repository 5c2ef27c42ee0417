using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Collect.Storage.Migrations
{
    /// <inheritdoc />
    public partial class DropUnusedAnomalyWebhook : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "AnomalyWebhookUrl",
                table: "collect_settings");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "AnomalyWebhookUrl",
                table: "collect_settings",
                type: "TEXT",
                maxLength: 2000,
                nullable: true);
        }
    }
}
