using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace Pulse.Influence.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class PartnerSignIns : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "partner_sign_ins",
                columns: table => new
                {
                    Id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityByDefaultColumn),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    CreatorId = table.Column<Guid>(type: "uuid", nullable: false),
                    Ip = table.Column<string>(type: "character varying(45)", maxLength: 45, nullable: false),
                    UserAgent = table.Column<string>(type: "character varying(512)", maxLength: 512, nullable: true),
                    At = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_partner_sign_ins", x => x.Id);
                    table.ForeignKey(
                        name: "FK_partner_sign_ins_creators_CreatorId",
                        column: x => x.CreatorId,
                        principalTable: "creators",
                        principalColumn: "Id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_partner_sign_ins_At",
                table: "partner_sign_ins",
                column: "At");

            migrationBuilder.CreateIndex(
                name: "IX_partner_sign_ins_CreatorId",
                table: "partner_sign_ins",
                column: "CreatorId");

            migrationBuilder.CreateIndex(
                name: "IX_partner_sign_ins_WorkspaceId_CreatorId_Ip",
                table: "partner_sign_ins",
                columns: new[] { "WorkspaceId", "CreatorId", "Ip" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "partner_sign_ins");
        }
    }
}
