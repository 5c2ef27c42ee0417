using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Influence.Storage.Migrations.Postgres
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Type = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    OrderId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    CustomerId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    Email = table.Column<string>(type: "character varying(254)", maxLength: 254, nullable: true),
                    Amount = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    Currency = table.Column<string>(type: "character varying(3)", maxLength: 3, nullable: false),
                    Items = table.Column<string>(type: "character varying(500000)", maxLength: 500000, nullable: true),
                    Code = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: true),
                    ClickId = table.Column<string>(type: "character varying(32)", maxLength: 32, nullable: true),
                    Status = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Refunded = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    CreatorId = table.Column<Guid>(type: "uuid", nullable: true),
                    LinkId = table.Column<Guid>(type: "uuid", nullable: true),
                    AttributedBy = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: true),
                    Origin = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    OccurredAt = table.Column<long>(type: "bigint", nullable: false),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_conversions", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "discount_codes",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Code = table.Column<string>(type: "character varying(50)", maxLength: 50, nullable: false),
                    CreatorId = table.Column<Guid>(type: "uuid", nullable: true),
                    Campaign = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: true),
                    MaxUses = table.Column<int>(type: "integer", nullable: true),
                    ValidFrom = table.Column<long>(type: "bigint", nullable: true),
                    ValidTo = table.Column<long>(type: "bigint", nullable: true),
                    Enabled = table.Column<bool>(type: "boolean", nullable: false),
                    Discount = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: true),
                    CreatedAt = table.Column<long>(type: "bigint", nullable: false),
                    CreatedBy = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
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
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    ConversionId = table.Column<Guid>(type: "uuid", nullable: false),
                    ExternalId = table.Column<string>(type: "character varying(200)", maxLength: 200, nullable: false),
                    Kind = table.Column<string>(type: "character varying(10)", maxLength: 10, nullable: false),
                    Amount = table.Column<decimal>(type: "numeric(18,4)", precision: 18, scale: 4, nullable: false),
                    Reason = table.Column<string>(type: "character varying(500)", maxLength: 500, nullable: true),
                    At = table.Column<long>(type: "bigint", nullable: false)
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
