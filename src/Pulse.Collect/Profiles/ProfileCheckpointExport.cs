using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulse.Collect.Storage;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Profiles;

/// <summary>
/// After <c>pulse export-to-cluster</c> has copied the profile tables: the embedded builder's one
/// checkpoint becomes each cluster partition's, so the cluster goes on after the copied profiles
/// instead of applying every event to them again. Its tables themselves are the Profiles context's export.
/// </summary>
internal sealed class ProfileCheckpointExport : IClusterExport
{
    public string Name => "profile builder checkpoint (set per partition once verified)";

    public IReadOnlyList<Type> Stores => [];

    public Task<string?> TargetHoldsAsync(ClusterExportRun run, CancellationToken ct) => Task.FromResult<string?>(null);

    public Task CopyAsync(ClusterExportRun run, CancellationToken ct) => Task.CompletedTask;

    public Task<IReadOnlyList<ExportCheck>> VerifyAsync(ClusterExportRun run, CancellationToken ct) => Task.FromResult<IReadOnlyList<ExportCheck>>([]);

    public async Task CompleteAsync(ClusterExportRun run, CancellationToken ct)
    {
        var partitions = run.Cluster.GetRequiredService<IOptions<CollectOptions>>().Value.ProfilePartitions;
        await using var scope = run.Cluster.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ProfilesDbContext>();
        var seq = await db.Progress.Where(p => p.Consumer == ProfileBuilder.ConsumerName).Select(p => (long?)p.Seq).FirstOrDefaultAsync(ct);
        if (seq is null || partitions == 1)
            return;
        for (var part = 0; part < partitions; part++)
            db.Progress.Add(new ConsumerProgress { Consumer = ProfileBuilder.ConsumerOf(part, partitions), Seq = seq.Value });
        await db.SaveChangesAsync(ct);
        run.Report($"  profile builder: position {seq.Value:N0} for each of {partitions} partitions");
    }
}
