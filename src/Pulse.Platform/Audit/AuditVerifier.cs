using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Storage;

namespace Pulse.Platform.Audit;

/// <summary>Recomputes the hash chain from the first entry and reports the first entry that does not match.</summary>
public sealed class AuditVerifier(PulseDbContext db)
{
    private const int PageSize = 2_000;

    public async Task<long> CountAsync(CancellationToken ct) => await db.AuditEntries.LongCountAsync(ct);

    /// <param name="progress">Receives the number of entries checked so far.</param>
    public async Task<AuditVerification> VerifyAsync(IProgress<long>? progress, CancellationToken ct)
    {
        long expectedId = 1;
        var prev = AuditHasher.Genesis;
        long checkedCount = 0;
        while (true)
        {
            var from = expectedId;
            var page = await db.AuditEntries.AsNoTracking()
                .Where(e => e.Id >= from)
                .OrderBy(e => e.Id)
                .Take(PageSize)
                .ToListAsync(ct);
            if (page.Count == 0)
                return new AuditVerification(checkedCount, null, null);
            foreach (var e in page)
            {
                if (e.Id != expectedId)
                    return new AuditVerification(checkedCount, expectedId,
                        $"entry {expectedId} is missing (the next entry present is {e.Id}): entries were deleted");
                if (!string.Equals(e.PrevHash, prev, StringComparison.Ordinal))
                    return new AuditVerification(checkedCount, e.Id,
                        $"entry {e.Id} does not link to entry {e.Id - 1}: its previous-hash field was changed or an entry before it was replaced");
                var actual = AuditHasher.Compute(e);
                if (!string.Equals(actual, e.Hash, StringComparison.Ordinal))
                    return new AuditVerification(checkedCount, e.Id,
                        $"entry {e.Id} ({e.Action}) was changed after it was written: its content no longer matches its hash");
                prev = e.Hash;
                expectedId++;
                checkedCount++;
            }
            progress?.Report(checkedCount);
        }
    }
}
