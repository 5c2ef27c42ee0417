using System.Globalization;
using Npgsql;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Log;

/// <summary>
/// The daily partitions of <c>events</c> (<c>events_p20261127</c> holds what was received on that UTC
/// day). Created ahead by the maintenance job and, should it be late, by the writer before a commit
/// that needs one; dropped whole when they fall out of the retention period.
/// </summary>
internal static class LogPartitions
{
    public static string NameOf(DateOnly day) => "events_p" + day.ToString("yyyyMMdd", CultureInfo.InvariantCulture);

    /// <summary>Creates the partitions of <paramref name="days"/> that do not exist (any node may; an advisory lock keeps two from racing).</summary>
    public static void Ensure(NpgsqlConnection c, IEnumerable<DateOnly> days)
    {
        using var tx = c.BeginTransaction();
        using (var lk = new NpgsqlCommand(PostgresStore.LockSql(AdvisoryLock.EventPartitions), c, tx))
            lk.ExecuteNonQuery();
        foreach (var day in days)
        {
            var from = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var to = day.AddDays(1).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            using var cmd = new NpgsqlCommand(
                $"CREATE TABLE IF NOT EXISTS {NameOf(day)} PARTITION OF events FOR VALUES FROM ('{from} 00:00:00+00') TO ('{to} 00:00:00+00')", c, tx);
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>The days that have a partition, oldest first.</summary>
    public static List<DateOnly> Existing(NpgsqlConnection c)
    {
        using var cmd = new NpgsqlCommand("""
            SELECT child.relname FROM pg_inherits
            JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            WHERE parent.relname = 'events' AND child.relname ~ '^events_p[0-9]{8}$'
            """, c);
        using var reader = cmd.ExecuteReader();
        var days = new List<DateOnly>();
        while (reader.Read())
            days.Add(DateOnly.ParseExact(reader.GetString(0)["events_p".Length..], "yyyyMMdd", CultureInfo.InvariantCulture));
        days.Sort();
        return days;
    }

    /// <summary>Drops partitions whose whole day is before <paramref name="keepFrom"/>; returns the days dropped.</summary>
    public static List<DateOnly> DropBefore(NpgsqlConnection c, DateOnly keepFrom)
    {
        var dropped = new List<DateOnly>();
        foreach (var day in Existing(c).Where(d => d < keepFrom))
        {
            using var tx = c.BeginTransaction();
            using (var lk = new NpgsqlCommand(PostgresStore.LockSql(AdvisoryLock.EventPartitions), c, tx))
                lk.ExecuteNonQuery();
            using (var cmd = new NpgsqlCommand($"DROP TABLE IF EXISTS {NameOf(day)}", c, tx))
                cmd.ExecuteNonQuery();
            tx.Commit();
            dropped.Add(day);
        }
        return dropped;
    }
}
