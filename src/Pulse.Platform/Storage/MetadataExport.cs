using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Pulse.Platform.Storage;

/// <summary>The <see cref="IClusterExport"/> of one EF Core context: every table of its embedded model, row for row (<see cref="MetadataCopy"/>).</summary>
internal sealed class MetadataExport<TContext>(string name) : IClusterExport where TContext : DbContext
{
    public string Name => name;

    public IReadOnlyList<Type> Stores { get; } = [typeof(TContext)];

    public async Task<string?> TargetHoldsAsync(ClusterExportRun run, CancellationToken ct)
    {
        await using var from = run.Embedded.CreateAsyncScope();
        await using var to = run.Cluster.CreateAsyncScope();
        var copied = MetadataCopy.Tables(from.ServiceProvider.GetRequiredService<TContext>());
        var counts = await MetadataCopy.CountAsync(to.ServiceProvider.GetRequiredService<TContext>(), ct);
        return counts.Where(c => c.Value > 0 && copied.Contains(c.Key)).Select(c => $"{c.Value:N0} row(s) in {c.Key}").FirstOrDefault();
    }

    public async Task CopyAsync(ClusterExportRun run, CancellationToken ct)
    {
        await using var from = run.Embedded.CreateAsyncScope();
        await using var to = run.Cluster.CreateAsyncScope();
        var target = to.ServiceProvider.GetRequiredService<TContext>();
        await using var tx = await target.Database.BeginTransactionAsync(ct);
        await MetadataCopy.CopyAsync(from.ServiceProvider.GetRequiredService<TContext>(), target, m => run.Report("  " + m), ct);
        await tx.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<ExportCheck>> VerifyAsync(ClusterExportRun run, CancellationToken ct)
    {
        await using var from = run.Embedded.CreateAsyncScope();
        await using var to = run.Cluster.CreateAsyncScope();
        var embedded = await MetadataCopy.CountAsync(from.ServiceProvider.GetRequiredService<TContext>(), ct);
        var cluster = await MetadataCopy.CountAsync(to.ServiceProvider.GetRequiredService<TContext>(), ct);
        return embedded.Select(t => new ExportCheck(t.Key, t.Value, cluster.GetValueOrDefault(t.Key, -1))).ToList();
    }
}
