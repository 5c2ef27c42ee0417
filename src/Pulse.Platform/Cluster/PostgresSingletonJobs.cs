using Microsoft.Extensions.Logging;
using Npgsql;

namespace Pulse.Platform.Cluster;

/// <summary>
/// Cluster mode: a job runs while its node holds a PostgreSQL session advisory lock on the job's
/// name, on a connection kept open for the whole run, so no second node can run it at the same time
/// (a node that dies drops its connection and with it the lock). Under that lock the node claims the
/// period in <c>singleton_jobs</c> (due when the last run started at least a period ago), so each
/// period runs once however many nodes tick. Periods are measured on the nodes' clocks (the
/// application's <see cref="TimeProvider"/>), which should agree to within a small part of the
/// shortest period (NTP). Every run is recorded in
/// <c>singleton_job_runs</c> (node, start, end, outcome).
/// </summary>
internal sealed partial class PostgresSingletonJobs(NpgsqlDataSource source, ILeases leases, TimeProvider time, ILogger<PostgresSingletonJobs> log) : ISingletonJobs
{
    /// <summary>The first key of the two-key advisory locks on job names ("PJOB").</summary>
    private const int LockClass = 0x504A4F42;

    public async Task<bool> RunIfDueAsync(string name, TimeSpan every, Func<CancellationToken, Task> work, CancellationToken ct)
    {
        await using var c = await source.OpenConnectionAsync(ct);
        await using (var tryLock = new NpgsqlCommand("SELECT pg_try_advisory_lock($1, hashtext($2))", c))
        {
            tryLock.Parameters.Add(new NpgsqlParameter<int> { TypedValue = LockClass });
            tryLock.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
            if (await tryLock.ExecuteScalarAsync(ct) is not true)
                return false;
        }
        try
        {
            long run;
            await using (var claim = new NpgsqlCommand("""
                WITH claimed AS (
                    INSERT INTO singleton_jobs AS j (name, last_started_at, node) VALUES ($1, $4, $3)
                    ON CONFLICT (name) DO UPDATE SET last_started_at = $4, node = $3
                        WHERE j.last_started_at <= $4 - make_interval(secs => $2)
                    RETURNING name)
                INSERT INTO singleton_job_runs (name, node, started_at) SELECT name, $3, clock_timestamp() FROM claimed RETURNING id
                """, c))
            {
                claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = name });
                claim.Parameters.Add(new NpgsqlParameter<double> { TypedValue = every.TotalSeconds });
                claim.Parameters.Add(new NpgsqlParameter<string> { TypedValue = leases.Owner });
                claim.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = time.GetUtcNow().UtcDateTime });
                if (await claim.ExecuteScalarAsync(ct) is not long id)
                    return false;
                run = id;
            }
            var outcome = "ok";
            try
            {
                await work(ct);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                outcome = "failed: " + e.Message;
                LogJobFailed(log, e, name);
            }
            await using var done = new NpgsqlCommand("UPDATE singleton_job_runs SET finished_at = clock_timestamp(), outcome = $2 WHERE id = $1", c);
            done.Parameters.Add(new NpgsqlParameter<long> { TypedValue = run });
            done.Parameters.Add(new NpgsqlParameter<string> { TypedValue = outcome.Length > 500 ? outcome[..500] : outcome });
            await done.ExecuteNonQueryAsync(CancellationToken.None);
            return true;
        }
        finally
        {
            await using var unlock = new NpgsqlCommand("SELECT pg_advisory_unlock_all()", c);
            await unlock.ExecuteNonQueryAsync(CancellationToken.None);
        }
    }

    [LoggerMessage(EventId = 1170, Level = LogLevel.Error, Message = "The cluster job {Job} failed; it runs again next period.")]
    private static partial void LogJobFailed(ILogger logger, Exception e, string job);
}
