using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Pulse.Platform.Storage;

/// <summary>Schema migrations and reachability of the metadata store, for the Platform and every module.</summary>
public sealed class Database(IServiceScopeFactory scopes, IEnumerable<IModuleSchema> modules, StorageMode mode)
{
    /// <summary>
    /// What a server or a data command does before it starts: the embedded store is brought up to
    /// date (it has one user); a cluster's database is migrated only by <c>pulse migrate</c>, so a node
    /// on a schema that is behind refuses to start and says what is missing.
    /// </summary>
    public async Task<IReadOnlyList<string>> PrepareAsync(CancellationToken ct = default)
    {
        if (!mode.IsPostgres)
            return await MigrateAsync(ct);
        var pending = await PendingMigrationsAsync(ct);
        if (pending.Count > 0)
            throw new SchemaBehindException(pending);
        return [];
    }

    /// <summary>Applies every pending migration; returns the names of those applied (module migrations as <c>Module/Name</c>).</summary>
    public async Task<IReadOnlyList<string>> MigrateAsync(CancellationToken ct = default)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        var applied = (await ModuleSchema<PulseDbContext>.Pending(db, ct)).ToList();
        await db.Database.MigrateAsync(ct);
        if (!mode.IsPostgres)
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
        var pending = (await ModuleSchema<PulseDbContext>.Pending(db, ct)).ToList();
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

/// <summary>The database lacks migrations this version of Pulse needs; <c>pulse migrate</c> applies them.</summary>
public sealed class SchemaBehindException(IReadOnlyList<string> pending)
    : Exception($"The database schema is behind this version of Pulse by {pending.Count} migration(s) ({string.Join(", ", pending)}). " +
        "Run 'pulse migrate' with the same storage settings first (in a cluster, once, before starting or upgrading the nodes).")
{
    public IReadOnlyList<string> Pending { get; } = pending;
}
