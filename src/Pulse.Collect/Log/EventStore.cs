using System.Data.Common;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Log;

/// <summary>
/// The DuckDB file that holds the event log (<c>events.duckdb</c> in the data directory). One
/// process opens it read-write; the server keeps one connection open for its lifetime so that
/// further connections share the same database instance.
/// </summary>
internal sealed class EventStore : IDisposable
{
    public const string FileName = "events.duckdb";

    /// <summary>
    /// Columns of <c>events</c> in table order; readers select them in this order from
    /// <see cref="AllEvents"/>, the wide table together with the not yet compacted inbox.
    /// </summary>
    public const string Columns =
        "seq, workspace_id, source_id, message_id, type, event, user_id, anonymous_id, group_id, previous_id, " +
        "ts, original_ts, sent_at, received_at, " +
        "utm_source, utm_medium, utm_campaign, utm_term, utm_content, fbclid, ttclid, li_fat_id, gclid, msclkid, " +
        "referrer_domain, referrer_type, referrer_name, page_host, page_path, " +
        "browser, browser_version, os, os_version, device_type, is_bot, bot_name, ip, country, " +
        "consent, violations, plan_version, raw";

    /// <summary>Every stored event: compacted rows and the inbox, parsed.</summary>
    public const string AllEvents = "all_events";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS events (
            seq BIGINT NOT NULL,
            workspace_id UUID NOT NULL,
            source_id UUID NOT NULL,
            message_id VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            event VARCHAR,
            user_id VARCHAR,
            anonymous_id VARCHAR,
            group_id VARCHAR,
            previous_id VARCHAR,
            ts TIMESTAMP NOT NULL,
            original_ts TIMESTAMP,
            sent_at TIMESTAMP,
            received_at TIMESTAMP NOT NULL,
            utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, utm_term VARCHAR, utm_content VARCHAR,
            fbclid VARCHAR, ttclid VARCHAR, li_fat_id VARCHAR, gclid VARCHAR, msclkid VARCHAR,
            referrer_domain VARCHAR, referrer_type VARCHAR, referrer_name VARCHAR, page_host VARCHAR, page_path VARCHAR,
            browser VARCHAR, browser_version VARCHAR, os VARCHAR, os_version VARCHAR, device_type VARCHAR,
            is_bot BOOLEAN NOT NULL, bot_name VARCHAR, ip VARCHAR, country VARCHAR,
            consent VARCHAR, violations VARCHAR, plan_version VARCHAR,
            raw VARCHAR NOT NULL
        );
        CREATE TABLE IF NOT EXISTS inbox (seq BIGINT NOT NULL, packed BLOB NOT NULL);
        CREATE OR REPLACE VIEW inbox_events AS
            SELECT seq, s[1]::UUID AS workspace_id, s[2]::UUID AS source_id, s[3] AS message_id, s[4] AS type,
                nullif(s[5], '') AS event, nullif(s[6], '') AS user_id, nullif(s[7], '') AS anonymous_id,
                nullif(s[8], '') AS group_id, nullif(s[9], '') AS previous_id,
                make_timestamp(s[10]::BIGINT) AS ts, make_timestamp(nullif(s[11], '')::BIGINT) AS original_ts,
                make_timestamp(nullif(s[12], '')::BIGINT) AS sent_at, make_timestamp(s[13]::BIGINT) AS received_at,
                nullif(s[14], '') AS utm_source, nullif(s[15], '') AS utm_medium, nullif(s[16], '') AS utm_campaign,
                nullif(s[17], '') AS utm_term, nullif(s[18], '') AS utm_content,
                nullif(s[19], '') AS fbclid, nullif(s[20], '') AS ttclid, nullif(s[21], '') AS li_fat_id,
                nullif(s[22], '') AS gclid, nullif(s[23], '') AS msclkid,
                nullif(s[24], '') AS referrer_domain, nullif(s[25], '') AS referrer_type, nullif(s[26], '') AS referrer_name,
                nullif(s[27], '') AS page_host, nullif(s[28], '') AS page_path,
                nullif(s[29], '') AS browser, nullif(s[30], '') AS browser_version, nullif(s[31], '') AS os,
                nullif(s[32], '') AS os_version, nullif(s[33], '') AS device_type, s[34] = '1' AS is_bot,
                nullif(s[35], '') AS bot_name, nullif(s[36], '') AS ip, nullif(s[37], '') AS country,
                nullif(s[38], '') AS consent, nullif(s[39], '') AS violations, nullif(s[40], '') AS plan_version,
                s[41] AS raw
            FROM (SELECT seq, string_split(decode(packed), chr(31)) AS s FROM inbox);
        CREATE OR REPLACE VIEW all_events AS SELECT * FROM events UNION ALL SELECT * FROM inbox_events;
        CREATE TABLE IF NOT EXISTS log_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS consumer_checkpoints (consumer VARCHAR PRIMARY KEY, seq BIGINT NOT NULL, updated_at TIMESTAMP NOT NULL);
        """;

    private readonly string _connectionString;
    private readonly CollectOptions _options;
    private DuckDBConnection? _anchor;
    private readonly Lock _gate = new();

    public EventStore(DataDirectory data, IOptions<CollectOptions> options)
    {
        Path = System.IO.Path.Combine(data.Path, FileName);
        _connectionString = $"Data Source={Path}";
        _options = options.Value;
    }

    public string Path { get; }

    /// <summary>Opens (creating if needed) the log file and its tables; idempotent.</summary>
    public void EnsureOpen()
    {
        lock (_gate)
        {
            if (_anchor is not null)
                return;
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            var anchor = new DuckDBConnection(_connectionString);
            anchor.Open();
            Execute(anchor, $"SET memory_limit = '{_options.DuckDbMemoryLimit}'");
            Execute(anchor, $"SET checkpoint_threshold = '{_options.CheckpointThreshold}'");
            Execute(anchor, "SET threads = 2");
            Execute(anchor, Schema);
            _anchor = anchor;
        }
    }

    /// <summary>A new connection to the log (the caller disposes it).</summary>
    public DuckDBConnection Open()
    {
        EnsureOpen();
        var c = new DuckDBConnection(_connectionString);
        c.Open();
        return c;
    }

    public static void Execute(DbConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public static DbParameter Parameter(string name, object? value) => new DuckDBParameter(name, value ?? DBNull.Value);

    public void Dispose()
    {
        lock (_gate)
        {
            _anchor?.Dispose();
            _anchor = null;
        }
    }
}
