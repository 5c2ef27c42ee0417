using System.Data.Common;

namespace Pulse.Collect.Log;

/// <summary>
/// Where readers find stored events: the view <see cref="AllEvents"/> with <see cref="Columns"/>,
/// the log's head and the consumers' checkpoints. Embedded mode keeps them in a DuckDB file
/// (<see cref="DuckDbEventStore"/>), cluster mode in PostgreSQL (<see cref="PostgresEventStore"/>).
/// Readers write their SQL once, in the subset both engines share, with <c>$name</c> parameters
/// passed through <see cref="Sql"/>.
/// </summary>
internal abstract class EventStore : IDisposable
{
    /// <summary>Columns of <c>events</c> in table order; readers select them in this order from <see cref="AllEvents"/>.</summary>
    public const string Columns =
        "seq, workspace_id, source_id, message_id, type, event, user_id, anonymous_id, group_id, previous_id, " +
        "ts, original_ts, sent_at, received_at, " +
        "utm_source, utm_medium, utm_campaign, utm_term, utm_content, fbclid, ttclid, li_fat_id, gclid, msclkid, " +
        "referrer_domain, referrer_type, referrer_name, page_host, page_path, " +
        "browser, browser_version, os, os_version, device_type, is_bot, bot_name, ip, country, " +
        "consent, violations, plan_version, raw";

    /// <summary>Every stored event (a view over <c>events</c>, so that readers do not depend on how the table is laid out).</summary>
    public const string AllEvents = "all_events";

    /// <summary>Where the store is, for logs and messages (a file path, or the PostgreSQL host and database).</summary>
    public abstract string Describe { get; }

    /// <summary>Makes the store ready for reading (opens the file and recovers it; for PostgreSQL, nothing: <c>pulse migrate</c> made it).</summary>
    public abstract void EnsureOpen();

    /// <summary>A new open connection (the caller disposes it).</summary>
    public abstract DbConnection Open();

    /// <summary>Turns shared SQL (with <c>$name</c> parameters) into the engine's own.</summary>
    public virtual string Sql(string text) => text;

    /// <summary>An expression for the Unix milliseconds of a timestamp column.</summary>
    public abstract string EpochMs(string column);

    /// <summary>An expression for the text at <c>$.{object}.{name}</c> of a JSON text column (null when absent); the names are plain (checked by the caller).</summary>
    public abstract string JsonText(string column, string obj, string name);

    /// <summary>An expression for the UTC day of a timestamp column as <c>yyyy-MM-dd</c>.</summary>
    public abstract string DayText(string column);

    /// <summary>An expression numbering the partition (0 to <c>$parts</c> − 1) of a uuid column by a stable hash.</summary>
    public abstract string PartitionOf(string column);

    /// <summary>Adds a named parameter (<c>$name</c> in the SQL) to <paramref name="cmd"/>.</summary>
    public static void Add(DbCommand cmd, string name, object? value)
    {
        if (cmd is Npgsql.NpgsqlCommand)
        {
            // Stored text never holds U+0000 in PostgreSQL (see PostgresText); compare as stored.
            value = value switch
            {
                string s => Platform.Storage.PostgresText.Clean(s),
                IEnumerable<string> list => list.Select(Platform.Storage.PostgresText.Clean).ToList(),
                _ => value,
            };
        }
        var p = cmd.CreateParameter();
        p.ParameterName = name;
        p.Value = value ?? DBNull.Value;
        cmd.Parameters.Add(p);
    }

    /// <summary>Adds one parameter per value (<c>$prefix0</c>, <c>$prefix1</c> …) and answers them joined for an <c>IN (…)</c> list.</summary>
    public static string AddList<T>(DbCommand cmd, string prefix, IEnumerable<T> values)
    {
        var names = new List<string>();
        foreach (var v in values)
        {
            var name = prefix + names.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Add(cmd, name, v);
            names.Add("$" + name);
        }
        return string.Join(", ", names);
    }

    public static void Execute(DbConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    public abstract void Dispose();
}
