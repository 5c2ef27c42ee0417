using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Pulse.Platform.Storage;

/// <summary>Schema migrations and reachability of the metadata store.</summary>
public sealed class Database(IServiceScopeFactory scopes)
{
    /// <summary>Applies every pending migration; returns the names of those applied.</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        var pending = (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
        await db.Database.MigrateAsync(ct);
        await SqlitePragmas.UseWriteAheadLogAsync(db, ct);
        return pending;
    }

    /// <summary>Migrations the code knows but the database has not applied.</summary>
    public async Task<IReadOnlyList<string>> PendingMigrationsAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        return (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
    }

    public async Task<bool> CanConnectAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        return await db.Database.CanConnectAsync(ct);
    }
}
