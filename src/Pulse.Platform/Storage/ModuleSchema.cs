using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Pulse.Platform.Storage;

/// <summary>The <see cref="IModuleSchema"/> of a module's EF Core context.</summary>
internal sealed class ModuleSchema<TContext>(string module) : IModuleSchema where TContext : DbContext
{
    public string Module => module;

    public async Task<IReadOnlyList<string>> MigrateAsync(IServiceProvider scoped, CancellationToken ct)
    {
        var db = scoped.GetRequiredService<TContext>();
        var pending = await Pending(db, ct);
        await db.Database.MigrateAsync(ct);
        return pending;
    }

    public Task<IReadOnlyList<string>> PendingAsync(IServiceProvider scoped, CancellationToken ct) =>
        Pending(scoped.GetRequiredService<TContext>(), ct);

    /// <summary>
    /// Migrations the code has and the database lacks. A database that has no history table yet
    /// lacks them all; asking EF Core then would first run a failing query against the missing
    /// table (logged as an error on PostgreSQL).
    /// </summary>
    public static async Task<IReadOnlyList<string>> Pending(DbContext db, CancellationToken ct)
    {
        var history = db.GetService<Microsoft.EntityFrameworkCore.Migrations.IHistoryRepository>();
        if (!await db.Database.CanConnectAsync(ct) || !await history.ExistsAsync(ct))
            return db.Database.GetMigrations().ToList();
        return (await db.Database.GetPendingMigrationsAsync(ct)).ToList();
    }
}
