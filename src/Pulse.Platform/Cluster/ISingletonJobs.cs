using System.Collections.Concurrent;

namespace Pulse.Platform.Cluster;

/// <summary>
/// Work that must run on one node at a time and once per period in the whole cluster (partition
/// maintenance, retention, anomaly checks, scheduled reports). Every node calls
/// <see cref="RunIfDueAsync"/> on its own timer; the work runs only where the call wins.
/// </summary>
public interface ISingletonJobs
{
    /// <summary>
    /// Runs <paramref name="work"/> here if no node is running the job <paramref name="name"/> now and
    /// its last run started at least <paramref name="every"/> ago; returns whether it ran here.
    /// </summary>
    Task<bool> RunIfDueAsync(string name, TimeSpan every, Func<CancellationToken, Task> work, CancellationToken ct);
}

/// <summary>Embedded mode: one process, so a job is due when its last run here started long enough ago and none is running.</summary>
internal sealed class LocalSingletonJobs(TimeProvider time) : ISingletonJobs
{
    private readonly ConcurrentDictionary<string, (SemaphoreSlim Gate, long LastStarted)> _jobs = new(StringComparer.Ordinal);

    public async Task<bool> RunIfDueAsync(string name, TimeSpan every, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        var job = _jobs.GetOrAdd(name, _ => (new SemaphoreSlim(1, 1), long.MinValue));
        if (!await job.Gate.WaitAsync(0, ct))
            return false;
        try
        {
            var last = _jobs[name].LastStarted;
            if (last != long.MinValue && time.GetElapsedTime(last) < every)
                return false;
            _jobs[name] = (job.Gate, time.GetTimestamp());
            await work(ct);
            return true;
        }
        finally
        {
            job.Gate.Release();
        }
    }
}
