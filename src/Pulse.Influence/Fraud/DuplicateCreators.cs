using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Commissions;
using Pulse.Influence.Creators;
using Pulse.Influence.Storage;

namespace Pulse.Influence.Fraud;

/// <summary>
/// One person enrolled twice (to earn twice, or to come back after a ban): a creator whose mailbox
/// (the address without +tags and, for Gmail, dots) or payout account is another creator's. The flag
/// is on the creator, not on one order: it holds all their commissions until a person resolves it.
/// </summary>
internal static class DuplicateCreators
{
    public const string Rule = "duplicate_creator";
    public const int Score = 70;

    /// <summary>
    /// Adds a flag for each other creator one of <paramref name="rows"/> (new or changed, tracked by
    /// <paramref name="db"/>) duplicates and was not flagged against before, and holds its pending
    /// commissions. One read of the workspace's creators serves a whole import.
    /// </summary>
    public static async Task CheckAsync(InfluenceDbContext db, IReadOnlyCollection<Creator> rows, Func<string, PayoutSecret?> reveal, DateTimeOffset now, CancellationToken ct)
    {
        if (rows.Count == 0)
            return;
        var workspace = rows.First().WorkspaceId;
        var stored = await db.Creators.AsNoTracking().Where(c => c.WorkspaceId == workspace && (c.Email != null || c.PayoutSecret != null))
            .Select(c => new Known(c.Id, c.Name, c.Email, c.Status, c.PayoutMethod, c.PayoutHint, c.PayoutSecret)).ToListAsync(ct);
        var all = stored.ToDictionary(c => c.Id);
        foreach (var r in rows)
            all[r.Id] = new Known(r.Id, r.Name, r.Email, r.Status, r.PayoutMethod, r.PayoutHint, r.PayoutSecret);
        var byMailbox = all.Values.Where(c => c.Email is not null).ToLookup(c => FraudRules.Mailbox(c.Email!), StringComparer.Ordinal);
        var byAccount = all.Values.Where(c => c.PayoutMethod is not null && c.PayoutHint is not null && c.PayoutSecret is not null)
            .ToLookup(c => (c.PayoutMethod!.Value, c.PayoutHint!));
        var ids = rows.Select(r => r.Id).ToList();
        var earlier = (await db.FraudFlags.AsNoTracking().Where(f => ids.Contains(f.CreatorId) && f.Rule == Rule).Select(f => new { f.CreatorId, f.Evidence }).ToListAsync(ct))
            .ToLookup(f => f.CreatorId, f => f.Evidence);
        var held = new List<Guid>();
        foreach (var row in rows)
        {
            var me = all[row.Id];
            var found = new List<(Known Other, string Why)>();
            if (me.Email is { } email)
            {
                foreach (var other in byMailbox[FraudRules.Mailbox(email)].Where(o => o.Id != me.Id))
                    found.Add((other, $"its e-mail reaches the same mailbox as the e-mail of '{other.Name}'"));
            }
            if (me is { PayoutMethod: { } method, PayoutHint: { } hint, PayoutSecret: { } secret }
                && byAccount[(method, hint)].Where(o => o.Id != me.Id && found.All(f => f.Other.Id != o.Id)).ToList() is { Count: > 0 } same
                && reveal(secret) is { } mine)
            {
                foreach (var other in same)
                {
                    if (reveal(other.PayoutSecret!) is { } theirs && Normal(theirs.Account) == Normal(mine.Account))
                        found.Add((other, $"it is paid to the same {Kind(method)} ({hint}) as '{other.Name}'"));
                }
            }
            foreach (var (other, why) in found)
            {
                var tag = $"(creator {other.Id})";
                if (earlier[row.Id].Any(e => e.Contains(tag, StringComparison.Ordinal)))
                    continue;
                db.FraudFlags.Add(new FraudFlag
                {
                    Id = Guid.CreateVersion7(now), WorkspaceId = workspace, CreatorId = row.Id, Rule = Rule, Score = Score, State = "open", CreatedAt = now,
                    Evidence = $"A second account: {why} {tag}{(other.Status == CreatorStatus.Banned ? ", who is banned" : "")}.",
                });
                held.Add(row.Id);
            }
        }
        if (held.Count == 0)
            return;
        foreach (var k in await db.Commissions.Where(k => held.Contains(k.CreatorId) && k.State == CommissionStates.Pending).ToListAsync(ct))
            (k.State, k.Note, k.UpdatedAt) = (CommissionStates.OnHold, "held: " + Rule, now);
    }

    private sealed record Known(Guid Id, string Name, string? Email, CreatorStatus Status, PayoutMethod? PayoutMethod, string? PayoutHint, string? PayoutSecret);

    private static string Kind(PayoutMethod m) => m switch
    {
        PayoutMethod.BankTransfer => "bank account",
        PayoutMethod.Paypal => "PayPal account",
        PayoutMethod.Wise => "Wise account",
        _ => "payout account",
    };

    private static string Normal(string account) => new(account.Where(char.IsLetterOrDigit).Select(char.ToUpperInvariant).ToArray());
}
