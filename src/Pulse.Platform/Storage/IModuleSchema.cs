namespace Pulse.Platform.Storage;

/// <summary>
/// A module's own tables in the metadata store. Each module keeps its EF Core context and its
/// migration history; <see cref="Database"/> migrates the Platform's schema first, then every
/// registered module schema in registration order.
/// </summary>
public interface IModuleSchema
{
    /// <summary>The module's name, shown beside its migrations (<c>Collect</c>).</summary>
    string Module { get; }

    /// <summary>Applies every pending migration; returns the names of those applied.</summary>
    Task<IReadOnlyList<string>> MigrateAsync(IServiceProvider scoped, CancellationToken ct);

    /// <summary>Migrations the code knows but the database has not applied.</summary>
    Task<IReadOnlyList<string>> PendingAsync(IServiceProvider scoped, CancellationToken ct);
}
