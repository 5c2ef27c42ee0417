using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Pulse.Platform.Storage;

/// <summary>Schema migrations and reachability of the metadata store, for the Platform and every module.</summary>
public sealed class Database(IServiceScopeFactory scopes, IEnumerable<IModuleSchema> modules)
{
    /// <summary>Applies every pending migration; returns the names of those applied (module migrations as <c>Module/Name</c>).</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        var applied = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        await SqlitePragmas.UseWriteAheadLogAsync(db, ct);
        foreach (var module in modules)
            applied.AddRange((await module.MigrateAsync(scope.ServiceProvider, ct)).Select(m => module.Module + "/" + m));
        return applied;
    }

    /// <summary>Migrations the code knows but the database has not applied.</summary>
    public async Task<IReadOnlyList<string>> PendingMigrationsAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        foreach (var module in modules)
            pending.AddRange((await module.PendingAsync(scope.ServiceProvider, ct)).Select(m => module.Module + "/" + m));
        return pending;
    }

    public async Task<bool> CanConnectAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        return await db.Database.CanConnectAsync(ct);
    }
}
