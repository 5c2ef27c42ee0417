using System.ComponentModel.DataAnnotations;

namespace Pulse.Platform.Cluster;

/// <summary>Section <c>Cluster</c>: how this node takes part in a cluster (cluster mode only).</summary>
public sealed class ClusterOptions
{
    public const string Section = "Cluster";

    /// <summary>This node's name in leases, metrics and logs; unique in the cluster (default: host name and process id).</summary>
    [RegularExpression("^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$", ErrorMessage = "Cluster:NodeName must be 1 to 63 letters, digits, '.', '_' or '-', starting with a letter or digit.")]
    public string? NodeName { get; set; }

    /// <summary>How long a lease holds without renewal: a dead node's partitions move to the living after at most this (default 5 s).</summary>
    [Range(2, 300, ErrorMessage = "Cluster:LeaseSeconds must be between 2 and 300.")]
    public int LeaseSeconds { get; set; } = 5;

    public string ResolvedNodeName => NodeName is { Length: > 0 } n ? n : $"{Environment.MachineName}-{Environment.ProcessId}";
}
