using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Storage;

internal sealed class CollectSchema : IModuleSchema
{
    public string Module => "Collect";

    public async Task<IReadOnlyList<string>> MigrateAsync(IServiceProvider scoped, CancellationToken ct)
    {
        var db = scoped.GetRequiredService<CollectDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        return pending;
    }

    public async Task<IReadOnlyList<string>> PendingAsync(IServiceProvider scoped, CancellationToken ct) =>
        (await scoped.GetRequiredService<CollectDbContext>().Database.GetPendingMigrationsAsync(ct)).ToList();
}
