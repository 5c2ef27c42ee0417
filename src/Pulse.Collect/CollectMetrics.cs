using System.Diagnostics.Metrics;

namespace Pulse.Collect;

/// <summary>The Collect module's instruments (meter <c>Pulse.Collect</c>).</summary>
internal sealed class CollectMetrics
{
    public const string MeterName = "Pulse.Collect";
    private readonly Counter<long> _received;
    private readonly Counter<long> _rejected;
    private readonly Counter<long> _stored;
    private readonly Counter<long> _duplicates;
    private readonly Histogram<int> _commitSize;
    private readonly Histogram<double> _commitSeconds;
    private readonly Counter<long> _requests;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<long>> _consumerLag = new(StringComparer.Ordinal);
    private readonly Counter<long> _violations;
    private readonly Counter<long> _quarantined;
    private readonly Counter<long> _setAside;
    private readonly Counter<long> _pruned;
    private readonly Counter<long> _profiled;
    private readonly Histogram<double> _profileBatchSeconds;

    public CollectMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _requests = meter.CreateCounter<long>("pulse.collect.requests", description: "Ingest requests by outcome.");
        _received = meter.CreateCounter<long>("pulse.collect.events.received", description: "Events that arrived, valid or not.");
        _rejected = meter.CreateCounter<long>("pulse.collect.events.rejected", description: "Events refused at ingest, by reason.");
        _stored = meter.CreateCounter<long>("pulse.collect.events.stored", description: "Events committed to the log.");
        _duplicates = meter.CreateCounter<long>("pulse.collect.events.duplicate", description: "Events acknowledged but not stored again (message id seen).");
        _commitSize = meter.CreateHistogram<int>("pulse.collect.commit.events", unit: null, description: "Events per group commit.", tags: null,
            advice: new InstrumentAdvice<int> { HistogramBucketBoundaries = [1, 10, 50, 100, 500, 1000, 2000, 5000, 10000, 20000, 50000] });
        _violations = meter.CreateCounter<long>("pulse.collect.plan.violations", description: "Tracking-plan violations found at ingest, by type and plan mode.");
        _quarantined = meter.CreateCounter<long>("pulse.collect.events.quarantined", description: "Messages kept in quarantine, by kind (blocked, invalid).");
        _setAside = meter.CreateCounter<long>("pulse.collect.events.set_aside", description: "Acknowledged events the store refused again and again, set aside so that later ones load.");
        _pruned = meter.CreateCounter<long>("pulse.collect.events.pruned", description: "Events deleted from the embedded log for being older than Collect:RetentionDays.");
        // Commits take milliseconds: the default buckets (0, 5, 10 … seconds) would put every one in the first.
        _commitSeconds = meter.CreateHistogram<double>("pulse.collect.commit.duration", unit: "s", description: "Time to write and sync one group commit.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });
        // The profile builder's rate (events applied per second is this counter's rate) and its batches' time.
        _profiled = meter.CreateCounter<long>("pulse.collect.profiles.events", unit: "{event}", description: "Events the profile builder applied to profiles.");
        _profileBatchSeconds = meter.CreateHistogram<double>("pulse.collect.profiles.batch.duration", unit: "s", description: "Time to read, apply and commit one batch of the profile builder.", tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] });
        meter.CreateObservableGauge("pulse.collect.consumer.lag", () => _consumerLag.Select(c => new Measurement<long>(c.Value(), new KeyValuePair<string, object?>("consumer", c.Key))),
            unit: "{event}", description: "Events in the log that a consumer has not applied yet.");
    }

    /// <summary>Reports a log consumer's lag behind the head on the consumer-lag gauge.</summary>
    public void ObserveConsumer(string consumer, Func<long> lag) => _consumerLag[consumer] = lag;

    public void Request(string outcome) => _requests.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
    public void Received(int count) => _received.Add(count);
    public void Rejected(string reason) => _rejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
    public void Violation(string type, string mode) =>
        _violations.Add(1, new KeyValuePair<string, object?>("type", type), new KeyValuePair<string, object?>("mode", mode));
    public void Quarantined(string kind) => _quarantined.Add(1, new KeyValuePair<string, object?>("kind", kind));
    public void SetAside(int count) => _setAside.Add(count);
    public void Pruned(long count) => _pruned.Add(count);

    public void Profiled(int events, double seconds)
    {
        _profiled.Add(events);
        _profileBatchSeconds.Record(seconds);
    }
    public void Committed(int stored, int duplicates, double seconds)
    {
        _stored.Add(stored);
        if (duplicates > 0)
            _duplicates.Add(duplicates);
        _commitSize.Record(stored + duplicates);
        _commitSeconds.Record(seconds);
    }
}
