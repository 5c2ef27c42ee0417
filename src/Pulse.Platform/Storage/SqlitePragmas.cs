using Microsoft.EntityFrameworkCore;

namespace Pulse.Platform.Storage;

internal static class SqlitePragmas
{
    /// <summary>
    /// WAL lets the CLI read and write while the server runs; it is a property of the file, so
    /// setting it once when the schema is migrated is enough.
    /// </summary>
    public static async Task UseWriteAheadLogAsync(PulseDbContext db, CancellationToken ct)
    {
        await db.Database.ExecuteSqlRawAsync("PRAGMA journal_mode=WAL;", ct);
    }
}
