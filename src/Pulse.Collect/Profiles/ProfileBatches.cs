using System.Data.Common;
using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pulse.Collect.Log;
using Pulse.Collect.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Profiles;

/// <summary>
/// Applies one batch of logged events to the identity graph and profiles, in one transaction with
/// the consumer's checkpoint (and the audit entries of the opt-outs and opt-ins it applied), as the
/// one writer of the workspaces' profiles at that moment (<see cref="ProfileGate"/>).
/// </summary>
/// <param name="bulk">False saves through EF Core's SaveChanges, row by row (the benchmark's baseline).</param>
internal sealed partial class ProfileBatches(IServiceScopeFactory scopes, ProfileGate gate, TimeProvider time, bool bulk = true, ILogger<ProfileBatches>? logger = null)
{
    /// <summary>Rows the builder creates before it refreshes PostgreSQL's statistics of its tables, at the least.</summary>
    internal const int MinRowsBeforeAnalyze = 10_000;

    // PostgreSQL: rows this process created since it last analyzed the tables, and how many they then held (-1: not read yet).
    private long _createdSinceAnalyze;
    private double _rowsAtAnalyze = -1;

    // Only the builder's own batches use it (bulk); the row-by-row baseline looks every id up.
    private readonly KnownIdentities? _known = bulk ? new KnownIdentities() : null;

    /// <summary>
    /// Forgets which ids are stored: the builder calls it between batches when a partition starts on
    /// this node (another node may have written it meanwhile).
    /// </summary>
    public void ForgetKnown() => _known?.Forget();

    /// <param name="fence">Run first inside the transaction (cluster mode: holds the partition's lease until the commit).</param>
    public Task ApplyAsync(string consumer, IReadOnlyList<LoggedEvent> events, Func<ProfilesDbContext, CancellationToken, Task>? fence, CancellationToken ct) =>
        gate.RunAsync(events.Select(e => e.WorkspaceId), () => ApplyCoreAsync(consumer, events, fence, ct), ct, announce: false);

    private async Task<bool> ApplyCoreAsync(string consumer, IReadOnlyList<LoggedEvent> events, Func<ProfilesDbContext, CancellationToken, Task>? fence, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ProfilesDbContext>();
        var platform = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        var graph = new IdentityGraph(db, time, tracked: !bulk, _known);
        var first = events[0].WorkspaceId;
        // The batch, its checkpoint and the audit entries of the opt-outs and opt-ins it applied
        // commit together. An audit entry's workspace is its actor's, so entries of other workspaces
        // in the same batch (rare) are written right after the commit. Every batch goes through
        // the audit trail's lock, even one without consent: on SQLite that lock is also what keeps
        // the builder's write transaction from meeting another audited writer's on the file.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        if (db.Database.IsSqlite())
        {
            // Per connection: a page cache that holds the hot part of the identity index (SQLite's
            // default is 2 MB), and a write-ahead log that is copied into the file every 80 MB
            // rather than every 4: a batch's random index inserts dirty thousands of pages, and the
            // same pages again in the next batch, so rarer checkpoints copy each page fewer times.
            // Measured in bench/run.sh profiles 600000: 14.4k events/s without, 16.8-18.4k with.
            await db.Database.OpenConnectionAsync(ct);
            await db.Database.ExecuteSqlRawAsync("PRAGMA cache_size=-65536; PRAGMA wal_autocheckpoint=20000;", ct);
        }
        async Task<(bool, IReadOnlyList<AuditRecord>)> Work(CancellationToken c)
        {
            if (fence is not null)
                await fence(db, c);
            await graph.LoadAsync(events, c);
            foreach (var e in events)
            {
                if (e.UserId is null && e.AnonymousId is null)
                    continue;
                await graph.ApplyAsync(e, c);
            }
            var progress = await db.Progress.FirstOrDefaultAsync(p => p.Consumer == consumer, c);
            if (progress is null)
                db.Progress.Add(new ConsumerProgress { Consumer = consumer, Seq = events[^1].Seq });
            else
                progress.Seq = events[^1].Seq;
            if (bulk)
            {
                // The graph's own rows (untracked), then the checkpoint (tracked).
                await graph.SaveAsync(c);
                await BulkSave.SaveAsync(db, c);
            }
            else
            {
                db.ChangeTracker.DetectChanges();
            }
            return (true, ConsentRecords(graph, first));
        }
        await audit.WriteAsync(platform, db, SystemActor(first), Work, ct);
        await AnalyzeIfGrownAsync(db, graph.RowsCreated, ct);
        // Committed: readers that keep consent in memory start again for the workspaces whose consent may have moved.
        gate.Changed(graph.ConsentAffected);
        foreach (var ws in graph.ConsentChanges.Select(x => x.Workspace).Where(w => w != first).Distinct())
        {
            foreach (var record in ConsentRecords(graph, ws))
                await audit.RecordAsync(platform, SystemActor(ws), record, ct);
        }
        return true;
    }

    /// <summary>
    /// PostgreSQL plans the batch's id look-up (<c>"Value" = ANY(…)</c>) from the tables'
    /// statistics. On tables that grew since they were last analyzed (a new install, or a burst of
    /// new people faster than autovacuum's minute) it believed them nearly empty and scanned every
    /// id of the workspace, filtering the 500 wanted: 27-98 ms per look-up instead of 2 ms, most of a
    /// batch's time (bench/run.sh profiles with PULSE_BENCH_POSTGRES). So the builder analyzes them
    /// itself once it has added a fifth of their rows (at least <see cref="MinRowsBeforeAnalyze"/>).
    /// </summary>
    private async Task AnalyzeIfGrownAsync(ProfilesDbContext db, int created, CancellationToken ct)
    {
        if (!bulk || !db.Database.IsNpgsql())
            return;
        // Batches of different workspaces may run at once: a race costs one ANALYZE more or later.
        var since = Interlocked.Add(ref _createdSinceAnalyze, created);
        var tables = string.Join(", ", new[] { typeof(Profile), typeof(ProfileIdentity) }.Select(t => "\"" + db.Model.FindEntityType(t)!.GetTableName() + "\""));
        try
        {
            if (_rowsAtAnalyze < 0)
                _rowsAtAnalyze = await RowsAsync(db, ct);
            if (since < Math.Max(MinRowsBeforeAnalyze, _rowsAtAnalyze / 5))
                return;
            Interlocked.Exchange(ref _createdSinceAnalyze, 0);
            await RunAsync(db, "ANALYZE " + tables, ct);
            _rowsAtAnalyze = await RowsAsync(db, ct);
        }
        catch (DbException e)
        {
            // The batch has committed; the plans stay as they were until the next try.
            if (logger is not null)
                LogAnalyzeFailed(logger, e, tables);
        }
    }

    private static async Task<double> RowsAsync(ProfilesDbContext db, CancellationToken ct) =>
        Convert.ToDouble(await RunAsync(db, "SELECT COALESCE(SUM(GREATEST(reltuples, 0)), 0) FROM pg_class WHERE oid IN "
            + $"(to_regclass('{db.Model.FindEntityType(typeof(Profile))!.GetTableName()}'), to_regclass('{db.Model.FindEntityType(typeof(ProfileIdentity))!.GetTableName()}'))", ct),
            CultureInfo.InvariantCulture);

    // The statements name only the model's own tables.
    private static async Task<object?> RunAsync(ProfilesDbContext db, string sql, CancellationToken ct)
    {
        await db.Database.OpenConnectionAsync(ct);
        await using var cmd = db.Database.GetDbConnection().CreateCommand();
        cmd.CommandText = sql;
        return await cmd.ExecuteScalarAsync(ct);
    }

    [LoggerMessage(EventId = 2305, Level = LogLevel.Warning, Message = "Refreshing PostgreSQL's statistics of {Tables} failed; id look-ups may be planned as scans until the next try.")]
    private static partial void LogAnalyzeFailed(ILogger logger, Exception e, string tables);

    private static IReadOnlyList<AuditRecord> ConsentRecords(IdentityGraph graph, Guid workspace) =>
        graph.ConsentChanges.Where(x => x.Workspace == workspace)
            .Select(x => new AuditRecord(x.OptedOut ? "profile.opted_out" : "profile.opted_in", "profile", x.Profile.ToString(), null,
                $"by the person, with message {x.MessageId}"))
            .ToList();

    internal static Actor SystemActor(Guid workspaceId) =>
        new(ActorKinds.System, ProfileBuilder.ConsumerName, "Profile builder", workspaceId, WorkspaceRole.Owner);
}
