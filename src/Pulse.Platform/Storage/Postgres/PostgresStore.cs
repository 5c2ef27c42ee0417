using Npgsql;

namespace Pulse.Platform.Storage;

/// <summary>Connections to the cluster's PostgreSQL database.</summary>
public static class PostgresStore
{
    /// <summary>The process's one pool, named in <c>pg_stat_activity</c> as "pulse", its sessions in UTC (hours and days are cut in UTC).</summary>
    public static NpgsqlDataSource CreateDataSource(string connectionString)
    {
        var b = new NpgsqlConnectionStringBuilder(connectionString);
        if (string.IsNullOrEmpty(b.ApplicationName))
            b.ApplicationName = "pulse";
        b.Timezone = "UTC";
        return new NpgsqlDataSourceBuilder(b.ConnectionString).Build();
    }

    /// <summary>
    /// Whether <paramref name="e"/> (or what it wraps) says the database cannot be reached or is
    /// restarting, rather than that the request was wrong: such failures are answered 503 with
    /// Retry-After and the client tries again.
    /// </summary>
    public static bool IsOutage(Exception? e)
    {
        for (; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal):
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException n when n.IsTransient || n.InnerException is System.Net.Sockets.SocketException or IOException or TimeoutException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>
    /// A transaction-scoped advisory lock (released at commit or rollback) that serialises one kind of
    /// writer across every node: the audit chain, for instance, whose entries must each follow the last.
    /// </summary>
    public static string LockSql(AdvisoryLock which) => $"SELECT pg_advisory_xact_lock({(long)which})";
}

/// <summary>Advisory lock keys (one 64-bit space for the whole database; values chosen once, never reused).</summary>
public enum AdvisoryLock : long
{
    AuditChain = 0x50554c5345_0001,
    EventLogHead = 0x50554c5345_0002,
    EventPartitions = 0x50554c5345_0003,
    LogMaintenance = 0x50554c5345_0004,
}
