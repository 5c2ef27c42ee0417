using System.Diagnostics.Metrics;

namespace Pulse.Platform;

/// <summary>
/// The Platform module's meter, following the module convention: one meter named
/// <c>Pulse.&lt;Module&gt;</c>, instruments named <c>pulse.&lt;module&gt;.&lt;thing&gt;</c>.
/// Exported at /metrics as <c>pulse_platform_…_total</c>.
/// </summary>
public sealed class PlatformMetrics : IDisposable
{
    public const string MeterName = "Pulse.Platform";

    private readonly Meter _meter;
    private readonly Counter<long> _logins;
    private readonly Counter<long> _keyAuthentications;
    private readonly Counter<long> _auditEntries;
    private readonly Counter<long> _leaseChanges;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Func<int>> _leasesOwned = new(StringComparer.Ordinal);

    public PlatformMetrics(IMeterFactory meters)
    {
        _meter = meters.Create(MeterName);
        _logins = _meter.CreateCounter<long>("pulse.platform.logins", "{attempt}", "Panel login attempts by outcome.");
        _keyAuthentications = _meter.CreateCounter<long>("pulse.platform.apikey.authentications", "{request}", "API key checks by outcome.");
        _auditEntries = _meter.CreateCounter<long>("pulse.platform.audit.entries", "{entry}", "Audit entries appended, by family of action.");
        // Cluster instruments keep the cluster's own prefix (pulse_cluster_…): they describe the node, not a module's data.
        _leaseChanges = _meter.CreateCounter<long>("pulse.cluster.lease.changes", "{change}", "Partition leases this node acquired, lost or released, by group.");
        _meter.CreateObservableGauge("pulse.cluster.leases.owned",
            () => _leasesOwned.Select(kv => new Measurement<int>(kv.Value(), new KeyValuePair<string, object?>("group", kv.Key))),
            "{partition}", "Partitions of work this node holds, by group.");
        _meter.CreateObservableGauge("pulse.cluster.node.up", () => _leasesOwned.IsEmpty ? 0 : 1, "{node}", "1 while this node takes part in a cluster.");
    }

    /// <param name="change">acquired, lost, released.</param>
    public void LeaseChange(string group, string change, int count) =>
        _leaseChanges.Add(count, new KeyValuePair<string, object?>("group", group), new KeyValuePair<string, object?>("change", change));

    public void ObserveLeases(string group, Func<int> owned) => _leasesOwned[group] = owned;

    /// <param name="outcome">succeeded, failed, locked_out, refused_locked.</param>
    public void Login(string outcome) => _logins.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <param name="outcome">valid, invalid.</param>
    public void KeyAuthentication(string outcome) => _keyAuthentications.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    public void AuditEntry(string action)
    {
        var dot = action.IndexOf('.', StringComparison.Ordinal);
        _auditEntries.Add(1, new KeyValuePair<string, object?>("family", dot < 0 ? action : action[..dot]));
    }

    public void Dispose() => _meter.Dispose();
}
