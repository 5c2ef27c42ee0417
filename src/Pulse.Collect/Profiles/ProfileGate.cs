using Npgsql;

namespace Pulse.Collect.Profiles;

/// <summary>
/// One writer of a workspace's profiles at a time: the profile builder's batches, admins' merges
/// and consent changes, and erasures. Without it an admin's opt-out could be overwritten by a batch
/// that loaded the profile a moment before. In this process a semaphore does it; in cluster mode a
/// PostgreSQL advisory lock per workspace, held for the whole work, does it across the nodes too
/// (taken in id order, so two writers of several workspaces never wait for each other in a circle).
/// <para>
/// It also counts, per workspace, the writes that may have changed whose consent is what (a
/// <see cref="Version"/>): readers that keep people's consent in memory between look-ups (destinations)
/// start again when it moves. The count covers every writer only in embedded mode (<see cref="Exact"/>);
/// in cluster mode other nodes write too, so such readers look up every time.
/// </para>
/// </summary>
internal sealed class ProfileGate(NpgsqlDataSource? cluster = null)
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, long> _versions = new();

    /// <summary>Whether <see cref="Version"/> moves on every write of the workspaces' profiles (one process writes them).</summary>
    public bool Exact => cluster is null;

    /// <summary>Moves after every committed write that may have changed whose consent is what in the workspace.</summary>
    public long Version(Guid workspace) => _versions.TryGetValue(workspace, out var v) ? v : 0;

    /// <summary>Records a committed write that may have changed consent, opt-outs, merges or which ids belong to whom.</summary>
    public void Changed(IEnumerable<Guid> workspaces)
    {
        foreach (var ws in workspaces.Distinct())
            _versions.AddOrUpdate(ws, 1, static (_, v) => v + 1);
    }

    /// <summary>The first key of the two-key advisory locks on workspaces' profiles ("PULS").</summary>
    private const int LockClass = 0x50554C53;
    private readonly SemaphoreSlim _gate = new(1, 1);

    /// <summary>Runs one write of the workspace's profiles; afterwards (even if it failed part-way) <see cref="Version"/> moves.</summary>
    public Task<T> RunAsync<T>(Guid workspace, Func<Task<T>> work, CancellationToken ct) => RunAsync([workspace], work, ct);

    /// <param name="announce">False when <paramref name="work"/> calls <see cref="Changed"/> itself for what it changed (the profile builder, whose batches rarely touch consent).</param>
    public async Task<T> RunAsync<T>(IEnumerable<Guid> workspaces, Func<Task<T>> work, CancellationToken ct, bool announce = true)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (cluster is null)
                return await work();
            await using var c = await cluster.OpenConnectionAsync(ct);
            foreach (var ws in workspaces.Distinct().Order())
            {
                await using var lk = new NpgsqlCommand("SELECT pg_advisory_lock($1, hashtext($2::text))", c);
                lk.Parameters.Add(new NpgsqlParameter<int> { TypedValue = LockClass });
                lk.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = ws });
                await lk.ExecuteNonQueryAsync(ct);
            }
            try
            {
                return await work();
            }
            finally
            {
                await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", c);
                await unlock.ExecuteNonQueryAsync(CancellationToken.None);
            }
        }
        finally
        {
            if (announce)
                Changed(workspaces);
            _gate.Release();
        }
    }
}
