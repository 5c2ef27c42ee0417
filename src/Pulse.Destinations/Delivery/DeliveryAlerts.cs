using System.Globalization;
using Pulse.Destinations.Configs;
using Pulse.Platform.Alerts;

namespace Pulse.Destinations.Delivery;

/// <summary>
/// Watches the destinations this node delivers and raises an alert (<c>destinations.errors</c>,
/// <c>destinations.backlog</c>) when a destination's share of failed requests over the last check
/// period, or the age of its oldest pending event, crosses the operator's threshold; the alert is
/// cleared once the destination is healthy again (or gone). Alerts reach the workspace's alert
/// webhook and the panel like every other alert.
/// </summary>
internal sealed class DeliveryAlerts(IAlerts alerts, DestinationsOptions options)
{
    public const string ErrorsKind = "destinations.errors";
    public const string BacklogKind = "destinations.backlog";
    private readonly Dictionary<Guid, (long Requests, long Failures)> _last = [];

    /// <summary>The alert key of one condition of one destination (keys are unique per workspace, across kinds).</summary>
    public static string KeyOf(Guid destination, string kind) => $"destination:{destination}:{kind[(kind.IndexOf('.') + 1)..]}";

    /// <summary>One check of every running worker; <paramref name="known"/> are the enabled destinations of the whole cluster (alerts of others are cleared).</summary>
    public async Task CheckAsync(IReadOnlyCollection<DestinationWorker> workers, IReadOnlySet<Guid> known, CancellationToken ct)
    {
        foreach (var w in workers)
        {
            var (requests, failures) = (w.RequestsTotal, w.FailuresTotal);
            var (lastRequests, lastFailures) = _last.GetValueOrDefault(w.Id);
            _last[w.Id] = (requests, failures);
            var n = requests - lastRequests;
            var failed = failures - lastFailures;
            var key = KeyOf(w.Id, ErrorsKind);
            if (n >= options.AlertMinimumRequests && (double)failed / n >= options.AlertErrorRate)
            {
                var rate = (double)failed / n;
                await alerts.RaiseAsync(new AlertRaise(w.WorkspaceId, ErrorsKind, key, rate >= 0.99 ? AlertSeverity.Critical : AlertSeverity.Warning,
                    string.Create(CultureInfo.InvariantCulture, $"Destination {w.Name}: {rate:P0} of requests failing"),
                    string.Create(CultureInfo.InvariantCulture, $"{failed} of the {n} requests to {w.Name} ({w.TypeName}) in the last {options.AlertCheckInterval.TotalMinutes:0.#} min failed. Last error: {w.LastError ?? "none"}. Events wait in its queue and are retried."),
                    new Dictionary<string, double> { ["requests"] = n, ["failed"] = failed, ["errorRate"] = Math.Round(rate, 3), ["threshold"] = options.AlertErrorRate }), ct);
            }
            else if (n > 0 && (double)failed / n < options.AlertErrorRate)
            {
                await alerts.ClearAsync(w.WorkspaceId, key, ct);
            }
            key = KeyOf(w.Id, BacklogKind);
            var age = w.OldestPendingAge;
            if (age >= options.AlertQueueAge)
            {
                await alerts.RaiseAsync(new AlertRaise(w.WorkspaceId, BacklogKind, key, AlertSeverity.Warning,
                    string.Create(CultureInfo.InvariantCulture, $"Destination {w.Name}: events waiting {Minutes(age)}"),
                    string.Create(CultureInfo.InvariantCulture, $"The oldest event not yet delivered to {w.Name} ({w.TypeName}) was received {Minutes(age)} ago; {w.Behind} log positions are behind its cursor. Last error: {w.LastError ?? "none"}."),
                    new Dictionary<string, double> { ["ageSeconds"] = Math.Round(age.TotalSeconds), ["behind"] = w.Behind, ["thresholdSeconds"] = options.AlertQueueAge.TotalSeconds }), ct);
            }
            else
            {
                await alerts.ClearAsync(w.WorkspaceId, key, ct);
            }
        }
        // Destinations deleted or disabled: their alerts are over.
        foreach (var kind in new[] { ErrorsKind, BacklogKind })
        {
            foreach (var (ws, key) in await alerts.OpenKeysAsync(kind, ct))
            {
                var parts = key.Split(':');
                if (parts.Length == 3 && parts[0] == "destination" && Guid.TryParse(parts[1], out var id) && !known.Contains(id))
                    await alerts.ClearAsync(ws, key, ct);
            }
        }
    }

    private static string Minutes(TimeSpan t) => t.TotalMinutes >= 120
        ? string.Create(CultureInfo.InvariantCulture, $"{t.TotalHours:0.#} h")
        : string.Create(CultureInfo.InvariantCulture, $"{t.TotalMinutes:0} min");
}
