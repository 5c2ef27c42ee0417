using Npgsql;

namespace Pulse.Collect.Profiles;

/// <summary>
/// One writer of a workspace's profiles at a time: the profile builder's batches, admins' merges
/// and consent changes, and erasures. Without it an admin's opt-out could be overwritten by a batch
/// that loaded the profile a moment before. In this process a semaphore does it; in cluster mode a
/// PostgreSQL advisory lock per workspace, held for the whole work, does it across the nodes too
/// (taken in id order, so two writers of several workspaces never wait for each other in a circle).
/// </summary>
internal sealed class ProfileGate(NpgsqlDataSource? cluster = null)
{
    /// <summary>The first key of the two-key advisory locks on workspaces' profiles ("PULS").</summary>
    private const int LockClass = 0x50554C53;
    private readonly SemaphoreSlim _gate = new(1, 1);

    public Task<T> RunAsync<T>(Guid workspace, Func<Task<T>> work, CancellationToken ct) => RunAsync([workspace], work, ct);

    public async Task<T> RunAsync<T>(IEnumerable<Guid> workspaces, Func<Task<T>> work, CancellationToken ct)
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
            _gate.Release();
        }
    }
}
