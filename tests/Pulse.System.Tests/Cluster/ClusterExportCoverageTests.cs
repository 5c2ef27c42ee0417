using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Hosting;
using Pulse.Platform.Storage;

namespace Pulse.System.Tests.Cluster;

/// <summary>
/// `pulse export-to-cluster` copies what the modules registered (<see cref="IClusterExport"/>), so a
/// module whose tables no export covers would be left behind without anyone noticing. These tests
/// read the server's own registrations, in both storage modes.
/// </summary>
public sealed class ClusterExportCoverageTests
{
    [Theory]
    [InlineData(StorageOptions.EmbeddedMode)]
    [InlineData(StorageOptions.PostgresMode)]
    public async Task EveryDbContextTheServerRegisters_IsCopiedByExactlyOneClusterExport(string mode)
    {
        var (descriptors, exports) = await ServerRegistrationsAsync(mode);

        Assert.Empty(Uncovered(descriptors, exports));
        var stores = exports.SelectMany(e => e.Stores).ToList();
        Assert.Equal(stores.Distinct().Count(), stores.Count);
        Assert.Contains(exports, e => e.Name == "event log");
    }

    [Fact]
    public async Task AContextRegisteredWithoutAnExport_IsReported()
    {
        var (descriptors, exports) = await ServerRegistrationsAsync(StorageOptions.EmbeddedMode);
        var services = new ServiceCollection();
        foreach (var d in descriptors)
            ((ICollection<ServiceDescriptor>)services).Add(d);
        services.AddDbContext<ForgottenContext>(o => o.UseSqlite("Data Source=:memory:"));

        Assert.Equal([typeof(ForgottenContext)], Uncovered(services, exports));
    }

    /// <summary>Contexts registered in DI that no export lists among its stores (a subclass counts as its base's).</summary>
    private static List<Type> Uncovered(IEnumerable<ServiceDescriptor> descriptors, IReadOnlyList<IClusterExport> exports) =>
        descriptors.Select(d => d.ServiceType)
            .Where(t => typeof(DbContext).IsAssignableFrom(t))
            .Distinct()
            .Where(t => !exports.SelectMany(e => e.Stores).Any(s => s.IsAssignableFrom(t)))
            .ToList();

    /// <summary>What the server registers (the same module registrations every CLI command uses) and the exports it resolves.</summary>
    private static async Task<(List<ServiceDescriptor>, IReadOnlyList<IClusterExport>)> ServerRegistrationsAsync(string mode)
    {
        var data = Directory.CreateTempSubdirectory("pulse-exports-").FullName;
        try
        {
            List<ServiceDescriptor> descriptors = [];
            var app = PulseHost.Build(new Dictionary<string, string?>
            {
                ["Storage:DataDirectory"] = data,
                ["Storage:Mode"] = mode,
                // Never connected to: the registrations are read, nothing is started.
                ["Storage:Postgres"] = mode == StorageOptions.PostgresMode ? "Host=127.0.0.1;Port=1;Database=none;Username=none;Password=none" : null,
                ["Storage:Redis"] = mode == StorageOptions.PostgresMode ? "127.0.0.1:1" : null,
            }, b => descriptors = [.. b.Services]);
            await using (app)
                return (descriptors, app.Services.GetServices<IClusterExport>().ToList());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    private sealed class ForgottenContext(DbContextOptions<ForgottenContext> options) : DbContext(options);
}
