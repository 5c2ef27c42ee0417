using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Pulse.Platform.Storage;

/// <summary>The <see cref="IModuleSchema"/> of a module's EF Core context.</summary>
internal sealed class ModuleSchema<TContext>(string module) : IModuleSchema where TContext : DbContext
{
    public string Module => module;

    public async Task<IReadOnlyList<string>> MigrateAsync(IServiceProvider scoped, CancellationToken ct)
    {
        var db = scoped.GetRequiredService<TContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        return pending;
    }

    public async Task<IReadOnlyList<string>> PendingAsync(IServiceProvider scoped, CancellationToken ct) =>
        (await scoped.GetRequiredService<TContext>().Database.GetPendingMigrationsAsync(ct)).ToList();
}
