using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Influence.Storage.Migrations
{
    /// <inheritdoc />
    public partial class CodesAndConversions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "conversions",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Type = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    OrderId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    CustomerId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    Email = table.Column<string>(type: "TEXT", maxLength: 254, nullable: true),
                    Amount = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    Currency = table.Column<string>(type: "TEXT", maxLength: 3, nullable: false),
                    Items = table.Column<string>(type: "TEXT", maxLength: 500000, nullable: true),
                    Code = table.Column<string>(type: "TEXT", maxLength: 50, nullable: true),
                    ClickId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: true),
                    Status = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    Refunded = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    CreatorId = table.Column<Guid>(type: "TEXT", nullable: true),
                    LinkId = table.Column<Guid>(type: "TEXT", nullable: true),
                    AttributedBy = table.Column<string>(type: "TEXT", maxLength: 10, nullable: true),
                    Origin = table.Column<string>(type: "TEXT", maxLength: 20, nullable: false),
                    OccurredAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_conversions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "discount_codes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "TEXT", nullable: false),
                    Code = table.Column<string>(type: "TEXT", maxLength: 50, nullable: false),
                    CreatorId = table.Column<Guid>(type: "TEXT", nullable: true),
                    Campaign = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    MaxUses = table.Column<int>(type: "INTEGER", nullable: true),
                    ValidFrom = table.Column<long>(type: "INTEGER", nullable: true),
                    ValidTo = table.Column<long>(type: "INTEGER", nullable: true),
                    Enabled = table.Column<bool>(type: "INTEGER", nullable: false),
                    Discount = table.Column<string>(type: "TEXT", maxLength: 100, nullable: true),
                    CreatedAt = table.Column<long>(type: "INTEGER", nullable: false),
                    CreatedBy = table.Column<string>(type: "TEXT", maxLength: 300, nullable: false),
                    UpdatedAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_discount_codes", x => x.Id);
                    table.ForeignKey(
                        name: "FK_discount_codes_creators_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "creators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.SetNull);
                });

            migrationBuilder.CreateTable(
                name: "conversion_adjustments",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "TEXT", nullable: false),
                    ConversionId = table.Column<Guid>(type: "TEXT", nullable: false),
                    ExternalId = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    Kind = table.Column<string>(type: "TEXT", maxLength: 10, nullable: false),
                    Amount = table.Column<decimal>(type: "TEXT", precision: 18, scale: 4, nullable: false),
                    Reason = table.Column<string>(type: "TEXT", maxLength: 500, nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_conversion_adjustments", x => x.Id);
                    table.ForeignKey(
                        name: "FK_conversion_adjustments_conversions_ConversionId",
                        column: x => x.ConversionId,
                        principalTable: "conversions",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_conversion_adjustments_ConversionId_ExternalId",
                table: "conversion_adjustments",
                columns: new[] { "ConversionId", "ExternalId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_conversions_WorkspaceId_Code",
                table: "conversions",
                columns: new[] { "WorkspaceId", "Code" });

            migrationBuilder.CreateIndex(
                name: "IX_conversions_WorkspaceId_CreatorId",
                table: "conversions",
                columns: new[] { "WorkspaceId", "CreatorId" });

            migrationBuilder.CreateIndex(
                name: "IX_conversions_WorkspaceId_OrderId",
                table: "conversions",
                columns: new[] { "WorkspaceId", "OrderId" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_discount_codes_CreatorId",
                table: "discount_codes",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_discount_codes_WorkspaceId_Code",
                table: "discount_codes",
                columns: new[] { "WorkspaceId", "Code" },
                unique: true);

            migrationBuilder.CreateIndex(
                name: "IX_discount_codes_WorkspaceId_CreatorId",
                table: "discount_codes",
                columns: new[] { "WorkspaceId", "CreatorId" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "conversion_adjustments");

            migrationBuilder.DropTable(
                name: "discount_codes");

            migrationBuilder.DropTable(
                name: "conversions");
        }
    }
}
