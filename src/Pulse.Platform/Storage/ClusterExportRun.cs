namespace Pulse.Platform.Storage;

/// <summary>What one run of <c>pulse export-to-cluster</c> gives each <see cref="IClusterExport"/>.</summary>
/// <param name="Embedded">The embedded installation's services (its stores opened read-write; no server runs on it).</param>
/// <param name="Cluster">The cluster's services, on the migrated target database.</param>
/// <param name="Data">The embedded data directory (for parts kept in files, such as the key ring).</param>
/// <param name="Report">A line for the person running the command.</param>
/// <param name="Progress">Counted progress of a long copy: <c>Progress("Copied", total)</c> reports as it goes.</param>
public sealed record ClusterExportRun(
    IServiceProvider Embedded,
    IServiceProvider Cluster,
    DataDirectory Data,
    Action<string> Report,
    Func<string, long, IProgress<long>> Progress);
