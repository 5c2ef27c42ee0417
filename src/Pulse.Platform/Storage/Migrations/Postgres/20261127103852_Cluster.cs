using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Platform.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class Cluster : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Nodes and partition leases (Pulse.Platform.Cluster.PostgresLeases); times are the
            // database's, so the nodes' clocks do not matter. consumer_batches records which node
            // committed which range of the log for a leased partition (kept a week).
            migrationBuilder.Sql("""
                CREATE TABLE cluster_nodes (
                    node text PRIMARY KEY,
                    started_at timestamptz NOT NULL,
                    heartbeat_at timestamptz NOT NULL
                );
                CREATE TABLE cluster_leases (
                    grp text NOT NULL,
                    part integer NOT NULL,
                    owner text,
                    epoch bigint NOT NULL,
                    expires_at timestamptz NOT NULL,
                    PRIMARY KEY (grp, part)
                );
                CREATE TABLE consumer_batches (
                    grp text NOT NULL,
                    part integer NOT NULL,
                    first_seq bigint NOT NULL,
                    last_seq bigint NOT NULL,
                    node text NOT NULL,
                    epoch bigint NOT NULL,
                    committed_at timestamptz NOT NULL DEFAULT now()
                );
                CREATE INDEX consumer_batches_grp_part ON consumer_batches (grp, part, first_seq);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE IF EXISTS consumer_batches; DROP TABLE IF EXISTS cluster_leases; DROP TABLE IF EXISTS cluster_nodes;");
        }
    }
}
