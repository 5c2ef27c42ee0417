using System.Text.RegularExpressions;
using Npgsql;

namespace Pulse.Collect.Log;

/// <summary>
/// The event log's tables in the cluster's PostgreSQL database: <c>events</c> partitioned by day of
/// <c>received_at</c>, the view <c>all_events</c>, <c>log_head</c>, <c>consumer_checkpoints</c> and
/// the deduplication window <c>log_message_ids</c>. <c>pulse migrate</c> creates them
/// (<see cref="Storage.PostgresLogSchema"/>); partitions come and go with <see cref="LogPartitions"/>.
/// </summary>
internal sealed partial class PostgresEventStore(NpgsqlDataSource source) : EventStore
{
    public NpgsqlDataSource Source => source;

    public override string Describe
    {
        get
        {
            var b = new NpgsqlConnectionStringBuilder(source.ConnectionString);
            return $"PostgreSQL {b.Host}:{b.Port}/{b.Database}";
        }
    }

    public override void EnsureOpen()
    {
    }

    public override NpgsqlConnection Open() => source.OpenConnection();

    /// <summary><c>$name</c> parameters become Npgsql's <c>@name</c>.</summary>
    public override string Sql(string text) => Parameter().Replace(text, "@$1");

    public override string EpochMs(string column) => $"(extract(epoch from {column}) * 1000)::bigint";

    public override string JsonText(string column, string obj, string name) => $"(({column})::jsonb #>> '{{{obj},{name}}}')";

    public override string DayText(string column) => $"to_char({column}, 'YYYY-MM-DD')";

    public override string PartitionOf(string column) => $"((hashtextextended({column}::text, 0) % $parts + $parts) % $parts)";

    public override void Dispose()
    {
        // The data source belongs to the container.
    }

    [GeneratedRegex(@"\$([A-Za-z_][A-Za-z0-9_]*)")]
    private static partial Regex Parameter();
}
