namespace Pulse.Platform.Storage;

/// <summary>
/// One part of an embedded installation that <c>pulse export-to-cluster</c> moves into a cluster's
/// database. Each module registers one for everything it stores (<see cref="PlatformModule.AddModuleStore{TContext, TPostgresContext}"/>
/// does it for a module's EF Core context; the event log's is Collect's), and the command runs every
/// registered one, in registration order: first <see cref="TargetHoldsAsync"/> on all, then
/// <see cref="CopyAsync"/>, <see cref="VerifyAsync"/> and, when every count matches, <see cref="CompleteAsync"/>.
/// </summary>
public interface IClusterExport
{
    /// <summary>What this part is, for the command's output (<c>Collect tables</c>, <c>event log</c>).</summary>
    string Name { get; }

    /// <summary>
    /// The EF Core contexts whose tables this part moves (none for files or the log's own store), so
    /// that a test can prove every context a module registers is exported by someone.
    /// </summary>
    IReadOnlyList<Type> Stores { get; }

    /// <summary>What the cluster's database already holds of this part (<c>3 row(s) in users</c>), or null when it holds nothing.</summary>
    Task<string?> TargetHoldsAsync(ClusterExportRun run, CancellationToken ct);

    /// <summary>Copies this part from the embedded installation into the cluster's database.</summary>
    Task CopyAsync(ClusterExportRun run, CancellationToken ct);

    /// <summary>What is on each side after the copy; any count that differs fails the export.</summary>
    Task<IReadOnlyList<ExportCheck>> VerifyAsync(ClusterExportRun run, CancellationToken ct);

    /// <summary>Changes the copy needs to run in a cluster, made once everything is verified (the profile builder's checkpoint split per partition).</summary>
    Task CompleteAsync(ClusterExportRun run, CancellationToken ct) => Task.CompletedTask;
}
