using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Collect.Storage.Migrations.Postgres.Log
{
    /// <inheritdoc />
    public partial class Initial : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Partitioned by day of arrival: retention drops whole partitions (LogPartitions), and
            // the writer or the maintenance job creates each day's partition before it is needed.
            migrationBuilder.Sql("""
                CREATE TABLE events (
                    seq bigint NOT NULL,
                    workspace_id uuid NOT NULL,
                    source_id uuid NOT NULL,
                    message_id text NOT NULL,
                    type text NOT NULL,
                    event text,
                    user_id text,
                    anonymous_id text,
                    group_id text,
                    previous_id text,
                    ts timestamptz NOT NULL,
                    original_ts timestamptz,
                    sent_at timestamptz,
                    received_at timestamptz NOT NULL,
                    utm_source text, utm_medium text, utm_campaign text, utm_term text, utm_content text,
                    fbclid text, ttclid text, li_fat_id text, gclid text, msclkid text,
                    referrer_domain text, referrer_type text, referrer_name text, page_host text, page_path text,
                    browser text, browser_version text, os text, os_version text, device_type text,
                    is_bot boolean NOT NULL, bot_name text, ip text, country text,
                    consent text, violations text, plan_version text,
                    raw text NOT NULL
                ) PARTITION BY RANGE (received_at);
                CREATE INDEX events_seq ON events (seq);
                CREATE INDEX events_workspace_seq ON events (workspace_id, seq);
                CREATE VIEW all_events AS SELECT * FROM events;

                -- The last sequence number given; its row lock orders the commits that take numbers.
                CREATE TABLE log_head (id integer PRIMARY KEY CHECK (id = 1), seq bigint NOT NULL);
                INSERT INTO log_head VALUES (1, 0);

                CREATE TABLE consumer_checkpoints (consumer text PRIMARY KEY, seq bigint NOT NULL, updated_at timestamptz NOT NULL);

                -- The deduplication window: one row per (source, message id) received in the last
                -- Collect:DedupWindowDays, keyed by their 128-bit hash (16 bytes, as a uuid);
                -- written in the same transaction as the events.
                CREATE TABLE log_message_ids (
                    id uuid PRIMARY KEY,
                    received_at timestamptz NOT NULL
                );
                CREATE INDEX log_message_ids_received_at ON log_message_ids (received_at);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                DROP VIEW IF EXISTS all_events;
                DROP TABLE IF EXISTS events;
                DROP TABLE IF EXISTS log_head;
                DROP TABLE IF EXISTS consumer_checkpoints;
                DROP TABLE IF EXISTS log_message_ids;
                """);
        }
    }
}
