namespace Pulse.Collect.Profiles;

/// <summary>
/// One writer of profiles at a time in this process: the profile builder's batches, admins'
/// merges and consent changes, and erasures. Without it an admin's opt-out could be overwritten by
/// a batch that loaded the profile a moment before.
/// </summary>
internal sealed class ProfileGate
{
    private readonly SemaphoreSlim _gate = new(1, 1);

    public async Task<T> RunAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            return await work();
        }
        finally
        {
            _gate.Release();
        }
    }
}
