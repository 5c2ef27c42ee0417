using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Pulse.Platform.Storage.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class SingletonJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Singleton jobs (Pulse.Platform.Cluster.PostgresSingletonJobs): the last start of each
            // job, claimed under an advisory lock, and a history of runs (kept a week).
            migrationBuilder.Sql("""
                CREATE TABLE singleton_jobs (
                    name text PRIMARY KEY,
                    last_started_at timestamptz NOT NULL,
                    node text NOT NULL
                );
                CREATE TABLE singleton_job_runs (
                    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                    name text NOT NULL,
                    node text NOT NULL,
                    started_at timestamptz NOT NULL,
                    finished_at timestamptz,
                    outcome text
                );
                CREATE INDEX singleton_job_runs_name ON singleton_job_runs (name, started_at);
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE IF EXISTS singleton_job_runs; DROP TABLE IF EXISTS singleton_jobs;");
        }
    }
}
