using System.Data.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Pulse.Platform.Cluster;

/// <summary>
/// Leases in PostgreSQL (cluster mode). Every node records a heartbeat in <c>cluster_nodes</c>; each
/// partition is a row of <c>cluster_leases</c> with its holder, an epoch and an expiry, all in the
/// database's clock. A few times per lease period each node renews what it holds, gives back what
/// exceeds its fair share (partitions ÷ live nodes, rounded up), and takes free or expired
/// partitions up to that share (<c>FOR UPDATE SKIP LOCKED</c>, epoch + 1). A node that dies stops
/// renewing; its partitions expire and the others take them within one lease period. Work checks
/// its lease in the transaction that commits it (see <see cref="FenceSql"/>).
/// </summary>
public sealed partial class PostgresLeases(NpgsqlDataSource source, IOptions<ClusterOptions> options, PlatformMetrics metrics, ILogger<PostgresLeases> log)
    : BackgroundService, ILeases
{
    private readonly Dictionary<string, LeaseGroup> _groups = [];
    private readonly ClusterOptions _options = options.Value;
    private long _lastRenewed = Environment.TickCount64;

    public string Node => _options.ResolvedNodeName;

    public string Owner { get; } = options.Value.ResolvedNodeName + "#" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(4));

    private TimeSpan Ttl => TimeSpan.FromSeconds(_options.LeaseSeconds);

    public LeaseGroup Join(string name, int partitions)
    {
        lock (_groups)
        {
            if (_groups.TryGetValue(name, out var g))
                return g.Partitions == partitions ? g : throw new InvalidOperationException($"Lease group {name} was joined with {g.Partitions} partitions, now {partitions}.");
            g = new LeaseGroup(name, partitions);
            _groups[name] = g;
            metrics.ObserveLeases(name, () => g.Owned.Count);
            return g;
        }
    }

    /// <summary>
    /// SQL that, run inside the transaction committing work of partition <c>$2</c> of group <c>$1</c>,
    /// returns a row only while this node (<c>$3</c>) still holds it with epoch <c>$4</c>, and keeps
    /// the lease row locked until that commit, so a takeover waits for it.
    /// </summary>
    public const string FenceSql = "SELECT 1 FROM cluster_leases WHERE grp = $1 AND part = $2 AND owner = $3 AND epoch = $4 FOR SHARE";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var period = TimeSpan.FromMilliseconds(Math.Max(250, Ttl.TotalMilliseconds / 5));
        LogJoined(log, Owner, _options.LeaseSeconds);
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RoundAsync(stoppingToken);
                _lastRenewed = Environment.TickCount64;
                failures = 0;
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is DbException or IOException or TimeoutException or InvalidOperationException)
            {
                if (failures++ == 0)
                    LogRoundFailed(log, e);
                // Unrenewed leases expire in the database; stop working on them before they do.
                if (Environment.TickCount64 - _lastRenewed > Ttl.TotalMilliseconds * 0.8)
                    DropAll("lost");
            }
            try
            {
                await Task.Delay(period, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
        await LeaveAsync();
    }

    private async Task RoundAsync(CancellationToken ct)
    {
        await using var c = await source.OpenConnectionAsync(ct);
        var ttl = $"interval '{_options.LeaseSeconds} seconds'";
        await using (var hb = new NpgsqlCommand(
            "INSERT INTO cluster_nodes (node, started_at, heartbeat_at) VALUES ($1, now(), now()) ON CONFLICT (node) DO UPDATE SET heartbeat_at = now()", c))
        {
            hb.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Owner });
            await hb.ExecuteNonQueryAsync(ct);
        }
        long live;
        await using (var count = new NpgsqlCommand($"SELECT count(*) FROM cluster_nodes WHERE heartbeat_at > now() - {ttl}", c))
            live = Math.Max(1, (long)(await count.ExecuteScalarAsync(ct))!);

        LeaseGroup[] groups;
        lock (_groups)
            groups = [.. _groups.Values];
        foreach (var g in groups)
        {
            await using (var rows = new NpgsqlCommand(
                "INSERT INTO cluster_leases (grp, part, owner, epoch, expires_at) SELECT $1, p, NULL, 0, now() FROM generate_series(0, $2 - 1) p ON CONFLICT DO NOTHING", c))
            {
                rows.Parameters.Add(new NpgsqlParameter<string> { TypedValue = g.Name });
                rows.Parameters.Add(new NpgsqlParameter<int> { TypedValue = g.Partitions });
                await rows.ExecuteNonQueryAsync(ct);
            }
            var owned = new Dictionary<int, long>();
            await using (var renew = new NpgsqlCommand(
                $"UPDATE cluster_leases SET expires_at = now() + {ttl} WHERE grp = $1 AND owner = $2 AND expires_at > now() RETURNING part, epoch", c))
            {
                renew.Parameters.Add(new NpgsqlParameter<string> { TypedValue = g.Name });
                renew.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Owner });
                await using var r = await renew.ExecuteReaderAsync(ct);
                while (await r.ReadAsync(ct))
                    owned[r.GetInt32(0)] = r.GetInt64(1);
            }
            var before = g.Owned;
            var lost = before.Count(kv => !owned.TryGetValue(kv.Key, out var e) || e != kv.Value);
            var share = (int)Math.Ceiling(g.Partitions / (double)live);
            if (owned.Count > share)
            {
                var surplus = owned.Keys.OrderDescending().Take(owned.Count - share).ToArray();
                await using var release = new NpgsqlCommand(
                    "UPDATE cluster_leases SET owner = NULL, expires_at = now() WHERE grp = $1 AND owner = $2 AND part = ANY($3)", c);
                release.Parameters.Add(new NpgsqlParameter<string> { TypedValue = g.Name });
                release.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Owner });
                release.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = surplus });
                await release.ExecuteNonQueryAsync(ct);
                foreach (var p in surplus)
                    owned.Remove(p);
                metrics.LeaseChange(g.Name, "released", surplus.Length);
            }
            else if (owned.Count < share)
            {
                await using var take = new NpgsqlCommand($"""
                    UPDATE cluster_leases l SET owner = $2, epoch = l.epoch + 1, expires_at = now() + {ttl}
                    FROM (SELECT grp, part FROM cluster_leases
                          WHERE grp = $1 AND (owner IS NULL OR expires_at <= now())
                          ORDER BY part LIMIT $3 FOR UPDATE SKIP LOCKED) free
                    WHERE l.grp = free.grp AND l.part = free.part
                    RETURNING l.part, l.epoch
                    """, c);
                take.Parameters.Add(new NpgsqlParameter<string> { TypedValue = g.Name });
                take.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Owner });
                take.Parameters.Add(new NpgsqlParameter<int> { TypedValue = share - owned.Count });
                await using var r = await take.ExecuteReaderAsync(ct);
                var acquired = 0;
                while (await r.ReadAsync(ct))
                {
                    owned[r.GetInt32(0)] = r.GetInt64(1);
                    acquired++;
                }
                if (acquired > 0)
                {
                    metrics.LeaseChange(g.Name, "acquired", acquired);
                    LogAcquired(log, g.Name, acquired, owned.Count, g.Partitions, live);
                }
            }
            if (lost > 0)
            {
                metrics.LeaseChange(g.Name, "lost", lost);
                LogLost(log, g.Name, lost);
            }
            g.Set(owned);
        }
    }

    private void DropAll(string change)
    {
        lock (_groups)
        {
            foreach (var g in _groups.Values)
            {
                if (g.Owned.Count == 0)
                    continue;
                metrics.LeaseChange(g.Name, change, g.Owned.Count);
                g.Set([]);
            }
        }
    }

    /// <summary>On a clean stop the node gives its partitions back at once, so the others need not wait for them to expire.</summary>
    private async Task LeaveAsync()
    {
        DropAll("released");
        try
        {
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await using var c = await source.OpenConnectionAsync(cts.Token);
            foreach (var sql in (string[])["UPDATE cluster_leases SET owner = NULL, expires_at = now() WHERE owner = $1", "DELETE FROM cluster_nodes WHERE node = $1"])
            {
                await using var cmd = new NpgsqlCommand(sql, c);
                cmd.Parameters.Add(new NpgsqlParameter<string> { TypedValue = Owner });
                await cmd.ExecuteNonQueryAsync(cts.Token);
            }
        }
        catch (Exception e) when (e is DbException or IOException or TimeoutException or OperationCanceledException or InvalidOperationException)
        {
            // They expire by themselves.
        }
    }

    [LoggerMessage(EventId = 1150, Level = LogLevel.Information, Message = "Node {Node} joined the cluster (leases of {Seconds} s).")]
    private static partial void LogJoined(ILogger logger, string node, int seconds);

    [LoggerMessage(EventId = 1151, Level = LogLevel.Information, Message = "Acquired {Count} partition(s) of {Group}; holding {Owned} of {Partitions} with {Live} live node(s).")]
    private static partial void LogAcquired(ILogger logger, string group, int count, int owned, int partitions, long live);

    [LoggerMessage(EventId = 1152, Level = LogLevel.Warning, Message = "Lost {Count} partition(s) of {Group} (not renewed in time).")]
    private static partial void LogLost(ILogger logger, string group, int count);

    [LoggerMessage(EventId = 1153, Level = LogLevel.Warning, Message = "Renewing leases failed; retrying.")]
    private static partial void LogRoundFailed(ILogger logger, Exception e);
}
