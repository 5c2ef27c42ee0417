using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Storage;

/// <summary>Commits a change to Collect's tables and its audit entries in one transaction.</summary>
internal static class CollectAudit
{
    public static Task<T> WriteAsync<T>(
        CollectDbContext db,
        PulseDbContext platform,
        AuditTrail audit,
        Actor actor,
        Func<CancellationToken, Task<(T Result, IReadOnlyList<AuditRecord> Records)>> work,
        CancellationToken ct) =>
        audit.WriteAsync(platform, actor, async c =>
        {
            // Both contexts share one connection in a scope (see CollectModule); the Platform's
            // transaction is open here, and Collect's changes join it.
            await db.Database.UseTransactionAsync(platform.Database.CurrentTransaction!.GetDbTransaction(), c);
            try
            {
                var result = await work(c);
                await db.SaveChangesAsync(c);
                return result;
            }
            catch
            {
                db.ChangeTracker.Clear();
                throw;
            }
            finally
            {
                await db.Database.UseTransactionAsync(null, CancellationToken.None);
            }
        }, ct);
}
