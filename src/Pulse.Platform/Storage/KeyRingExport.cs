using Microsoft.AspNetCore.DataProtection.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Pulse.Platform.Storage;

/// <summary>
/// The embedded key ring (XML files in <c>keys/</c>) into the cluster's shared key table, so that
/// sign-in cookies, account links and secrets encrypted with Data Protection stay readable.
/// Keys a cluster node already made are left beside them.
/// </summary>
internal sealed class KeyRingExport : IClusterExport
{
    public string Name => "data protection keys";

    public IReadOnlyList<Type> Stores => [];

    public Task<string?> TargetHoldsAsync(ClusterExportRun run, CancellationToken ct) => Task.FromResult<string?>(null);

    public async Task CopyAsync(ClusterExportRun run, CancellationToken ct)
    {
        await using var scope = run.Cluster.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PostgresPulseDbContext>();
        var files = Files(run.Data);
        foreach (var file in files)
        {
            db.DataProtectionKeys.Add(new DataProtectionKey
            {
                FriendlyName = Path.GetFileNameWithoutExtension(file),
                Xml = await File.ReadAllTextAsync(file, ct),
            });
        }
        await db.SaveChangesAsync(ct);
        run.Report($"  data_protection_keys: {files.Count} key(s) (sign-in cookies and account links stay valid)");
    }

    public async Task<IReadOnlyList<ExportCheck>> VerifyAsync(ClusterExportRun run, CancellationToken ct)
    {
        var names = Files(run.Data).Select(Path.GetFileNameWithoutExtension).ToList();
        await using var scope = run.Cluster.CreateAsyncScope();
        var found = await scope.ServiceProvider.GetRequiredService<PostgresPulseDbContext>().DataProtectionKeys
            .CountAsync(k => names.Contains(k.FriendlyName), ct);
        return [new ExportCheck("data_protection_keys", names.Count, found)];
    }

    private static List<string> Files(DataDirectory data)
    {
        var dir = Path.Combine(data.Path, "keys");
        return Directory.Exists(dir) ? Directory.EnumerateFiles(dir, "*.xml").Order(StringComparer.Ordinal).ToList() : [];
    }
}
