using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Storage;

namespace Pulse.Platform.Audit;

/// <summary>
/// Appends hash-chained entries. A change and the entries that describe it are written in one
/// transaction, so there is never a change without its audit entry or the reverse.
/// </summary>
public sealed class AuditTrail(TimeProvider time, PlatformMetrics metrics)
{
    // One writer at a time per database inside this process; across processes (CLI beside the
    // server) SQLite's write lock, taken by BEGIN IMMEDIATE, does the same, and across the nodes of a
    // cluster a PostgreSQL advisory lock held until commit.
    private static readonly ConcurrentDictionary<string, SemaphoreSlim> Gates = new(StringComparer.Ordinal);

    /// <summary>
    /// Runs <paramref name="work"/> (which changes <paramref name="db"/> and returns the entries
    /// that describe the change) and commits both together.
    /// </summary>
    public async Task<T> WriteAsync<T>(
        PulseDbContext db,
        Actor? actor,
        Func<CancellationToken, Task<(T Result, IReadOnlyList<AuditRecord> Records)>> work,
        CancellationToken ct)
    {
        var gate = Gates.GetOrAdd(db.Database.GetConnectionString() ?? "", _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(ct);
        try
        {
            await using var tx = await db.Database.BeginTransactionAsync(ct);
            if (db is PostgresPulseDbContext)
                await db.Database.ExecuteSqlRawAsync(PostgresStore.LockSql(AdvisoryLock.AuditChain), ct);
            var (result, records) = await work(ct);
            await db.SaveChangesAsync(ct);
            await AppendAsync(db, actor, records, ct);
            await tx.CommitAsync(ct);
            foreach (var r in records)
                metrics.AuditEntry(r.Action);
            return result;
        }
        catch
        {
            db.ChangeTracker.Clear();
            throw;
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>
    /// The same for a change to a module's own context (<paramref name="module"/>), which must share
    /// <paramref name="db"/>'s connection (see <c>AddModuleStore</c>): the module's changes join the
    /// Platform's transaction, so they and their audit entries commit together.
    /// </summary>
    public Task<T> WriteAsync<T>(
        PulseDbContext db,
        DbContext module,
        Actor? actor,
        Func<CancellationToken, Task<(T Result, IReadOnlyList<AuditRecord> Records)>> work,
        CancellationToken ct) =>
        WriteAsync(db, actor, async c =>
        {
            await module.Database.UseTransactionAsync(db.Database.CurrentTransaction!.GetDbTransaction(), c);
            try
            {
                var result = await work(c);
                await module.SaveChangesAsync(c);
                return result;
            }
            catch
            {
                module.ChangeTracker.Clear();
                throw;
            }
            finally
            {
                await module.Database.UseTransactionAsync(null, CancellationToken.None);
            }
        }, ct);

    /// <summary>Writes entries that describe no data change (a login, a failed login, an export).</summary>
    public Task RecordAsync(PulseDbContext db, Actor? actor, AuditRecord record, CancellationToken ct) =>
        WriteAsync<bool>(db, actor, _ => Task.FromResult<(bool, IReadOnlyList<AuditRecord>)>((true, [record])), ct);

    /// <summary>Same as <see cref="RecordAsync(PulseDbContext, Actor?, AuditRecord, CancellationToken)"/> for someone who is not yet an actor (a login attempt).</summary>
    public Task RecordAsync(PulseDbContext db, string actorKind, string actorId, string actorName, string? ip, string? userAgent, AuditRecord record, CancellationToken ct) =>
        RecordAsync(db, new Actor(actorKind, actorId, actorName, Guid.Empty, WorkspaceRole.Viewer, ip, userAgent), record, ct);

    private async Task AppendAsync(PulseDbContext db, Actor? actor, IReadOnlyList<AuditRecord> records, CancellationToken ct)
    {
        if (records.Count == 0)
            return;
        var last = await db.AuditEntries.AsNoTracking()
            .OrderByDescending(e => e.Id)
            .Select(e => new { e.Id, e.Hash })
            .FirstOrDefaultAsync(ct);
        var id = last?.Id ?? 0;
        var prev = last?.Hash ?? AuditHasher.Genesis;
        var now = time.GetUtcNow();
        foreach (var r in records)
        {
            var entry = new AuditEntry
            {
                Id = ++id,
                WorkspaceId = actor is null || actor.WorkspaceId == Guid.Empty ? null : actor.WorkspaceId,
                SubjectUserId = r.SubjectUserId,
                ActorKind = actor?.Kind ?? ActorKinds.System,
                ActorId = Truncate(actor?.Id ?? "pulse", 300),
                ActorName = Truncate(actor?.Name ?? "pulse", 300),
                Action = r.Action,
                TargetType = r.TargetType,
                TargetId = r.TargetId,
                Before = r.Before,
                After = r.After,
                Ip = Truncate(actor?.Ip, 64),
                UserAgent = Truncate(actor?.UserAgent, 512),
                OccurredAt = DateTimeOffset.FromUnixTimeMilliseconds(now.ToUnixTimeMilliseconds()),
                PrevHash = prev,
                Hash = "",
            };
            entry.Hash = AuditHasher.Compute(entry);
            prev = entry.Hash;
            db.AuditEntries.Add(entry);
        }
        await db.SaveChangesAsync(ct);
    }

    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(value))]
    private static string? Truncate(string? value, int max) =>
        value is null || value.Length <= max ? value : value[..max];
}
