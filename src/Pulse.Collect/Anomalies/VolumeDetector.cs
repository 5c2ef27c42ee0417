using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pulse.Collect.Log;
using Pulse.Collect.Storage;
using Pulse.Platform.Alerts;

namespace Pulse.Collect.Anomalies;

/// <summary>
/// Every <see cref="CollectOptions.AnomalyCheckMinutes"/> minutes, compares the last complete hour
/// of every workspace × source × event (track calls by event name, other calls by type) with the
/// same hour-of-week of the previous <see cref="CollectOptions.AnomalyWeeks"/> weeks
/// (<see cref="VolumeRule"/>), raises a <c>collect.volume</c> alert when it is out of band and clears
/// it when it is back. One aggregated query over the log per run; robots are not counted.
/// </summary>
internal sealed partial class VolumeDetector(
    EventStore store,
    IServiceScopeFactory scopes,
    TimeProvider time,
    IOptions<CollectOptions> options,
    ILogger<VolumeDetector> log,
    Platform.Cluster.ISingletonJobs jobs,
    EventLog? eventLog = null) : BackgroundService
{
    public const string Kind = "collect.volume";
    public const string JobName = "collect.volume-check";
    private const long WeekMs = 7L * 24 * 3600 * 1000;
    private const long HourMs = 3600 * 1000;
    private readonly CollectOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.AnomalyCheckMinutes == 0)
            return;
        using var timer = new PeriodicTimer(TimeSpan.FromMinutes(_options.AnomalyCheckMinutes), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    // One node of a cluster checks each period (every node's timer ticks; the first to claim it runs).
                    await jobs.RunIfDueAsync(JobName, TimeSpan.FromMinutes(_options.AnomalyCheckMinutes) * 0.9, ct => RunOnceAsync(time.GetUtcNow(), ct), stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogCheckFailed(log, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Checks the last hour that is complete at <paramref name="now"/>; returns how many alerts are open afterwards.</summary>
    internal async Task<int> RunOnceAsync(DateTimeOffset now, CancellationToken ct)
    {
        // Count what was acknowledged, not only what the loader has moved into the store yet.
        if (eventLog is not null)
            await eventLog.CaughtUpAsync(TimeSpan.FromSeconds(30), ct);
        var hourEnd = now.ToUnixTimeMilliseconds() / HourMs * HourMs;
        var hourStart = DateTimeOffset.FromUnixTimeMilliseconds(hourEnd - HourMs);
        var weeks = _options.AnomalyWeeks;
        var counts = Count(hourEnd, weeks);

        await using var scope = scopes.CreateAsyncScope();
        var alerts = scope.ServiceProvider.GetRequiredService<IAlerts>();
        var sources = await scope.ServiceProvider.GetRequiredService<CollectDbContext>().Sources.AsNoTracking()
            .Where(s => s.Enabled)
            .ToDictionaryAsync(s => s.Id, s => s.Name, ct);
        var settings = new VolumeRuleSettings(_options.AnomalyTolerance, _options.AnomalyMinExpected);

        // Weeks in which a source sent anything in that hour: a week the whole source was silent
        // (not yet installed, site down) says nothing about what its events usually do.
        var sourceWeeks = new Dictionary<(Guid, Guid), bool[]>();
        foreach (var (k, n) in counts)
        {
            if (!sourceWeeks.TryGetValue((k.Workspace, k.Source), out var had))
                sourceWeeks[(k.Workspace, k.Source)] = had = new bool[weeks + 1];
            for (var w = 1; w <= weeks; w++)
                had[w] |= n[w] > 0;
        }

        var anomalous = new HashSet<(Guid, string)>();
        foreach (var (k, n) in counts)
        {
            if (!sources.TryGetValue(k.Source, out var sourceName))
                continue;
            var had = sourceWeeks[(k.Workspace, k.Source)];
            var history = new List<long>(weeks);
            for (var w = 1; w <= weeks; w++)
            {
                if (had[w])
                    history.Add(n[w]);
            }
            var verdict = VolumeRule.Evaluate(n[0], history.ToArray(), settings);
            if (!verdict.IsAnomaly)
                continue;
            var key = KeyOf(k);
            anomalous.Add((k.Workspace, key));
            await alerts.RaiseAsync(Describe(k, sourceName, n[0], verdict, history.Count, hourStart, key), ct);
        }

        var open = await alerts.OpenKeysAsync(Kind, ct);
        var cleared = 0;
        foreach (var (ws, key) in open)
        {
            if (!anomalous.Contains((ws, key)) && await alerts.ClearAsync(ws, key, ct))
                cleared++;
        }
        LogChecked(log, hourStart, counts.Count, anomalous.Count, cleared);
        return anomalous.Count;
    }

    /// <summary>Counts per workspace, source, call and week back (0 = the hour checked) in one pass over the log.</summary>
    private Dictionary<VolumeKey, long[]> Count(long hourEnd, int weeks)
    {
        using var c = store.Open();
        using var cmd = c.CreateCommand();
        // floor((end - t - 1) / week) is the week back; (end - t - 1) % week < hour keeps the same hour-of-week.
        var age = $"($end - {store.EpochMs("received_at")} - 1)";
        cmd.CommandText = store.Sql($"""
            SELECT workspace_id, source_id, type, CASE WHEN type = 'track' THEN coalesce(event, '') END AS name,
                   CAST(floor({age} / 604800000.0) AS BIGINT) AS w, count(*) AS n
            FROM all_events
            WHERE received_at >= $from AND received_at < $to
              AND {age} % 604800000 < 3600000
              AND NOT is_bot
            GROUP BY 1, 2, 3, 4, 5
            """);
        EventStore.Add(cmd, "end", hourEnd);
        EventStore.Add(cmd, "from", DateTimeOffset.FromUnixTimeMilliseconds(hourEnd - HourMs - weeks * WeekMs).UtcDateTime);
        EventStore.Add(cmd, "to", DateTimeOffset.FromUnixTimeMilliseconds(hourEnd).UtcDateTime);
        using var reader = cmd.ExecuteReader();
        var counts = new Dictionary<VolumeKey, long[]>();
        while (reader.Read())
        {
            var w = Convert.ToInt64(reader.GetValue(4), CultureInfo.InvariantCulture);
            if (w < 0 || w > weeks)
                continue;
            var key = new VolumeKey(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.IsDBNull(3) ? null : reader.GetString(3));
            if (!counts.TryGetValue(key, out var n))
                counts[key] = n = new long[weeks + 1];
            n[w] += Convert.ToInt64(reader.GetValue(5), CultureInfo.InvariantCulture);
        }
        return counts;
    }

    /// <summary>At most 300 characters (the alert key's limit): a long event name is cut and told apart by a hash.</summary>
    internal static string KeyOf(VolumeKey k)
    {
        if (k.Event is null)
            return $"source:{k.Source}/type:{Cut(k.Type)}";
        return $"source:{k.Source}/event:{Cut(k.Event)}";

        static string Cut(string name) => name.Length <= 200 ? name
            : name[..180] + "#" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name)))[..16];
    }

    private static AlertRaise Describe(VolumeKey k, string sourceName, long observed, VolumeVerdict v, int weeks, DateTimeOffset hourStart, string key)
    {
        var what = k.Event is not null ? Shorten(k.Event) : k.Type + " calls";
        var usually = Math.Round(v.Expected).ToString("0", CultureInfo.InvariantCulture);
        var hours = string.Create(CultureInfo.InvariantCulture, $"{hourStart:HH:mm}–{hourStart.AddHours(1):HH:mm} UTC on {hourStart:ddd d MMM}");
        var (title, severity) = v.State switch
        {
            VolumeState.Drop when observed == 0 => ($"{what} fell to 0", AlertSeverity.Critical),
            VolumeState.Drop => ($"{what} dropped to {observed}", AlertSeverity.Warning),
            _ => ($"{what} spiked to {observed}", AlertSeverity.Warning),
        };
        var detail = string.Create(CultureInfo.InvariantCulture,
            $"{title} in {hours} (source {sourceName}), usually {usually}: the median of the same hour in the previous {weeks} weeks; expected between {Math.Ceiling(v.Lower):0} and {Math.Floor(v.Upper):0}.");
        return new AlertRaise(k.Workspace, Kind, key, severity, title, detail, new Dictionary<string, double>
        {
            ["expected"] = Math.Round(v.Expected, 1),
            ["observed"] = observed,
            ["lower"] = Math.Round(v.Lower, 1),
            ["upper"] = Math.Round(v.Upper, 1),
            ["weeks"] = weeks,
        });
    }

    private static string Shorten(string name) => name.Length <= 80 ? name : name[..80] + "…";

    [LoggerMessage(EventId = 2400, Level = LogLevel.Debug, Message = "Volume check of the hour from {Hour}: {Series} series, {Anomalies} out of band, {Cleared} cleared")]
    private static partial void LogChecked(ILogger logger, DateTimeOffset hour, int series, int anomalies, int cleared);

    [LoggerMessage(EventId = 2401, Level = LogLevel.Error, Message = "Volume anomaly check failed")]
    private static partial void LogCheckFailed(ILogger logger, Exception exception);
}

internal readonly record struct VolumeKey(Guid Workspace, Guid Source, string Type, string? Event);
