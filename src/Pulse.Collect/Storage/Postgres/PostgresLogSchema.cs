using Microsoft.EntityFrameworkCore;

namespace Pulse.Collect.Storage;

/// <summary>
/// The event log's tables in cluster mode. They are not EF Core entities (the log is written with
/// COPY and read with SQL); this context exists so that their schema is versioned and applied by
/// <c>pulse migrate</c> like every other module's, in migrations of raw SQL.
/// </summary>
internal sealed class PostgresLogSchema(DbContextOptions<PostgresLogSchema> options) : DbContext(options)
{
    public const string HistoryTable = "__eventlog_migrations";
}
