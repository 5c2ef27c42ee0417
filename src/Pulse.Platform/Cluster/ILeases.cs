namespace Pulse.Platform.Cluster;

/// <summary>Distributes partitions of work between the nodes (see <see cref="LeaseGroup"/>).</summary>
public interface ILeases
{
    /// <summary>This node's name.</summary>
    string Node { get; }

    /// <summary>This process's identity in leases: the node name and a random suffix, so a restarted node never mistakes its predecessor's leases for its own.</summary>
    string Owner { get; }

    /// <summary>Joins the group of <paramref name="partitions"/> partitions called <paramref name="name"/>; the same object for the same name.</summary>
    LeaseGroup Join(string name, int partitions);
}

/// <summary>Embedded mode: one node, which holds every partition for good (epoch 0).</summary>
internal sealed class LocalLeases : ILeases
{
    private readonly Dictionary<string, LeaseGroup> _groups = [];

    public string Node => Environment.MachineName;

    public string Owner => Node;

    public LeaseGroup Join(string name, int partitions)
    {
        lock (_groups)
        {
            if (_groups.TryGetValue(name, out var g))
                return g;
            g = new LeaseGroup(name, partitions);
            g.Set(Enumerable.Range(0, partitions).ToDictionary(p => p, _ => 0L));
            _groups[name] = g;
            return g;
        }
    }
}
