using Microsoft.Extensions.Hosting;

namespace Pulse.Platform.Cluster;

/// <summary>
/// A background job that runs every <see cref="Every"/> on one node of the cluster (any node in
/// embedded mode): each node's timer asks <see cref="ISingletonJobs"/>, and the work runs where the
/// call wins. A failed run is reported to <see cref="OnFailed"/> and tried again at the next tick.
/// </summary>
public abstract class SingletonJobService(ISingletonJobs jobs, TimeProvider time) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    protected abstract string JobName { get; }

    protected abstract TimeSpan Every { get; }

    /// <summary>Whether the job runs on this server at all (a setting may turn it off).</summary>
    protected virtual bool Enabled => true;

    /// <summary>One run of the work.</summary>
    protected abstract Task RunJobAsync(CancellationToken ct);

    protected abstract void OnFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!Enabled)
            return;
        using var timer = new PeriodicTimer(Every, Time);
        do
        {
            try
            {
                await jobs.RunIfDueAsync(JobName, Every, RunJobAsync, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                OnFailed(e);
            }
        } while (await NextTickAsync(timer, stoppingToken));
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
