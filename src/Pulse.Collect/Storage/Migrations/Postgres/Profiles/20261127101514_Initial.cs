using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Collect.Storage.Migrations.Postgres.Profiles
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "profile_consumer_progress",
                columns: table => new
                {
                    Consumer = table.Column<string>(type: "character varying(100)", maxLength: 100, nullable: false),
                    Seq = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_profile_consumer_progress", x => x.Consumer);
                });

            migrationBuilder.CreateTable(
                name: "profile_erasures",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    At = table.Column<long>(type: "bigint", nullable: false),
                    ActorKind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    ActorName = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: false),
                    IdentityCount = table.Column<int>(type: "integer", nullable: false),
                    Steps = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_profile_erasures", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "profile_identities",
                columns: table => new
                {
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    Kind = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    Value = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: false),
                    ProfileId = table.Column<Guid>(type: "uuid", nullable: false),
                    FirstSeen = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_profile_identities", x => new { x.WorkspaceId, x.Kind, x.Value });
                });

            migrationBuilder.CreateTable(
                name: "profile_merges",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    FromProfileId = table.Column<Guid>(type: "uuid", nullable: false),
                    IntoProfileId = table.Column<Guid>(type: "uuid", nullable: false),
                    Reason = table.Column<string>(type: "character varying(20)", maxLength: 20, nullable: false),
                    MessageId = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Actor = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true),
                    At = table.Column<long>(type: "bigint", nullable: false),
                    MovedIdentities = table.Column<string>(type: "text", nullable: false),
                    UndoneAt = table.Column<long>(type: "bigint", nullable: true),
                    UndoneBy = table.Column<string>(type: "character varying(300)", maxLength: 300, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_profile_merges", x => x.Id);
                });

            migrationBuilder.CreateTable(
                name: "profiles",
                columns: table => new
                {
                    Id = table.Column<Guid>(type: "uuid", nullable: false),
                    WorkspaceId = table.Column<Guid>(type: "uuid", nullable: false),
                    FirstSeen = table.Column<long>(type: "bigint", nullable: false),
                    LastSeen = table.Column<long>(type: "bigint", nullable: false),
                    EventCount = table.Column<long>(type: "bigint", nullable: false),
                    UserId = table.Column<string>(type: "character varying(1000)", maxLength: 1000, nullable: true),
                    Traits = table.Column<string>(type: "text", nullable: false),
                    Consent = table.Column<string>(type: "character varying(8000)", maxLength: 8000, nullable: true),
                    ConsentAt = table.Column<long>(type: "bigint", nullable: true),
                    OptedOut = table.Column<bool>(type: "boolean", nullable: false),
                    OptedOutAt = table.Column<long>(type: "bigint", nullable: true),
                    MergedInto = table.Column<Guid>(type: "uuid", nullable: true),
                    UpdatedAt = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_profiles", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_profile_erasures_WorkspaceId_At",
                table: "profile_erasures",
                columns: new[] { "WorkspaceId", "At" });

            migrationBuilder.CreateIndex(
                name: "IX_profile_identities_ProfileId",
                table: "profile_identities",
                column: "ProfileId");

            migrationBuilder.CreateIndex(
                name: "IX_profile_merges_FromProfileId",
                table: "profile_merges",
                column: "FromProfileId");

            migrationBuilder.CreateIndex(
                name: "IX_profile_merges_IntoProfileId",
                table: "profile_merges",
                column: "IntoProfileId");

            migrationBuilder.CreateIndex(
                name: "IX_profiles_MergedInto",
                table: "profiles",
                column: "MergedInto");

            migrationBuilder.CreateIndex(
                name: "IX_profiles_WorkspaceId_LastSeen",
                table: "profiles",
                columns: new[] { "WorkspaceId", "LastSeen" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "profile_consumer_progress");

            migrationBuilder.DropTable(
                name: "profile_erasures");

            migrationBuilder.DropTable(
                name: "profile_identities");

            migrationBuilder.DropTable(
                name: "profile_merges");

            migrationBuilder.DropTable(
                name: "profiles");
        }
    }
}
