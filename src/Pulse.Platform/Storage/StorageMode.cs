namespace Pulse.Platform.Storage;

/// <summary>Which storage this process runs on, fixed at start; modules pick their store implementations by it.</summary>
public sealed class StorageMode(StorageOptions options)
{
    public StorageOptions Options { get; } = options;

    /// <summary>Cluster mode: PostgreSQL and Redis.</summary>
    public bool IsPostgres => Options.IsPostgres;

    public string Name => Options.Mode;
}
