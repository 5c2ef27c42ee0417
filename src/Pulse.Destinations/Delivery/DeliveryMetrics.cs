using System.Diagnostics.Metrics;

namespace Pulse.Destinations.Delivery;

/// <summary>The Destinations module's instruments (meter <c>Pulse.Destinations</c>), each per destination (its id and type).</summary>
internal sealed class DeliveryMetrics
{
    public const string MeterName = "Pulse.Destinations";
    private readonly Counter<long> _sent;
    private readonly Counter<long> _requests;
    private readonly Counter<long> _retried;
    private readonly Counter<long> _dead;
    private readonly Counter<long> _skipped;
    private Func<IEnumerable<DestinationWorker>> _workers = () => [];

    public DeliveryMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _sent = meter.CreateCounter<long>("pulse.destinations.events.sent", unit: "{event}", description: "Events a destination accepted.");
        _requests = meter.CreateCounter<long>("pulse.destinations.requests", description: "Requests to destinations by outcome (delivered, failed, rejected).");
        _retried = meter.CreateCounter<long>("pulse.destinations.retries", description: "Requests sent again after a failure.");
        _dead = meter.CreateCounter<long>("pulse.destinations.events.dead_lettered", unit: "{event}", description: "Events put in the dead-letter store.");
        _skipped = meter.CreateCounter<long>("pulse.destinations.events.skipped", unit: "{event}", description: "Events not sent because the person's consent does not allow it.");
        meter.CreateObservableGauge("pulse.destinations.queue.depth", () => _workers().Select(w => new Measurement<long>(w.Behind, Tags(w))),
            unit: "{event}", description: "Log positions between a destination's cursor and the head (an upper bound on its queue: other workspaces' events count too).");
        meter.CreateObservableGauge("pulse.destinations.oldest_pending.age", () => _workers().Select(w => new Measurement<double>(w.OldestPendingAge.TotalSeconds, Tags(w))),
            unit: "s", description: "Age of the oldest event a destination has read but not finished.");
        meter.CreateObservableGauge("pulse.destinations.circuit.open", () => _workers().Select(w => new Measurement<int>(w.CircuitOpen ? 1 : 0, Tags(w))),
            description: "1 while a destination's circuit breaker is open.");
    }

    public void Observe(Func<IEnumerable<DestinationWorker>> workers) => _workers = workers;

    public void Sent(DestinationWorker w, int events) => _sent.Add(events, Tags(w));
    public void Request(DestinationWorker w, DeliveryOutcome outcome) => _requests.Add(1, [.. Tags(w), new("outcome", outcome.ToString().ToLowerInvariant())]);
    public void Retried(DestinationWorker w) => _retried.Add(1, Tags(w));
    public void DeadLettered(DestinationWorker w, int events) => _dead.Add(events, Tags(w));
    public void Skipped(DestinationWorker w, int events) => _skipped.Add(events, Tags(w));

    private static KeyValuePair<string, object?>[] Tags(DestinationWorker w) => [new("destination", w.Id.ToString()), new("type", w.TypeName)];
}
