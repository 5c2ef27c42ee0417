using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Conversions;
using Pulse.Influence.Storage;

namespace Pulse.Influence.Commissions;

/// <summary>
/// Earns commissions when a conversion is credited to a creator, and follows refunds and
/// cancellations: before payout the commission shrinks (a percentage follows what is still paid; a
/// flat amount is cancelled when nothing is), after payout a negative claw-back is added, which the
/// next payout nets. It changes the caller's context, so the conversion and its commissions commit together.
/// </summary>
internal sealed class CommissionEngine(InfluenceDbContext db, TimeProvider time, Pulse.Collect.Events.EventFacts? events, int clickWindowDays)
{
    public async Task OnConversionAsync(Conversion c, CancellationToken ct)
    {
        if (c.CreatorId is not { } creator)
            return;
        var programs = await db.ProgramMembers.AsNoTracking().Where(m => m.CreatorId == creator)
            .Join(db.Programs.AsNoTracking().Where(p => p.WorkspaceId == c.WorkspaceId && p.Enabled), m => m.ProgramId, p => p.Id, (m, p) => p)
            .ToListAsync(ct);
        var firstAt = c.OccurredAt;
        var customer = c.CustomerId ?? c.Email ?? c.AnonymousId;
        if (customer is not null)
        {
            var earlier = await db.Conversions.AsNoTracking()
                .Where(x => x.WorkspaceId == c.WorkspaceId && x.CreatorId == creator && x.Id != c.Id && x.Status != "cancelled"
                            && (x.CustomerId == customer || x.Email == customer || x.AnonymousId == customer) && x.OccurredAt < c.OccurredAt)
                .OrderBy(x => x.OccurredAt).Select(x => (DateTimeOffset?)x.OccurredAt).FirstOrDefaultAsync(ct);
            if (earlier is { } first)
                firstAt = first;
        }
        var monthStart = new DateTimeOffset(c.OccurredAt.Year, c.OccurredAt.Month, 1, 0, 0, 0, TimeSpan.Zero);
        var sales = await db.Conversions.AsNoTracking().CountAsync(x => x.WorkspaceId == c.WorkspaceId && x.CreatorId == creator && x.Type == "sale"
            && x.Status != "cancelled" && x.OccurredAt >= monthStart && x.OccurredAt <= c.OccurredAt && x.Id != c.Id, ct) + (c.Type == "sale" ? 1 : 0);
        var items = c.Items is null ? null : JsonSerializer.Deserialize(c.Items, ConversionsStoreJson.Default.ListItemDto);
        var facts = new ConversionFacts(c.Type, c.Amount - c.Refunded, c.Currency, c.Country, items, c.OccurredAt, firstAt, sales);
        var now = time.GetUtcNow();
        // A flag holds what the conversion earns until a person resolves it.
        var flags = await Fraud.FraudRules.CheckAsync(db, events, c, creator, clickWindowDays, ct);
        foreach (var (rule, score, evidence) in flags)
        {
            db.FraudFlags.Add(new Fraud.FraudFlag
            {
                Id = Guid.CreateVersion7(now), WorkspaceId = c.WorkspaceId, CreatorId = creator, ConversionId = c.Id, Rule = rule, Score = score, Evidence = evidence,
                State = "open", CreatedAt = now,
            });
        }
        // So does an open flag on the creator (a duplicate account) for everything they earn.
        var held = flags.Select(f => f.Rule).ToList();
        held.AddRange(await db.FraudFlags.AsNoTracking().Where(f => f.CreatorId == creator && f.ConversionId == null && f.State == "open").Select(f => f.Rule).ToListAsync(ct));
        foreach (var p in programs)
        {
            var rules = JsonSerializer.Deserialize(p.Rules, CommissionsStoreJson.Default.ListCommissionRuleDto) ?? [];
            if (CommissionRules.Apply(rules, p.Currency, facts) is not { } earned || earned.Amount <= 0)
                continue;
            db.Commissions.Add(new Commission
            {
                Id = Guid.CreateVersion7(now), WorkspaceId = c.WorkspaceId, ProgramId = p.Id, CreatorId = creator, ConversionId = c.Id, Kind = c.Type,
                RateType = earned.RateType, Rate = earned.Rate, Base = earned.Base, Amount = earned.Amount, Currency = earned.Currency,
                State = held.Count > 0 ? CommissionStates.OnHold : CommissionStates.Pending, EarnedAt = c.OccurredAt,
                Note = held.Count > 0 ? "held: " + string.Join(", ", held.Distinct()) : null, AvailableAt = c.OccurredAt.AddDays(p.HoldDays), UpdatedAt = now,
            });
        }
    }

    /// <summary>After <paramref name="c"/>'s refunded amount or status changed.</summary>
    public async Task OnRefundAsync(Conversion c, CancellationToken ct)
    {
        var rows = await db.Commissions.Where(x => x.ConversionId == c.Id).ToListAsync(ct);
        var now = time.GetUtcNow();
        var paid = c.Status == "cancelled" ? 0 : c.Amount - c.Refunded;
        foreach (var k in rows.Where(x => x.Kind is "sale" or "lead"))
        {
            var share = c.Amount > 0 ? paid / c.Amount : 0;
            var newBase = decimal.Round(k.Base * share, 4);
            var due = k.RateType == "percent" ? decimal.Round(newBase * k.Rate / 100, 2, MidpointRounding.AwayFromZero) : paid > 0 ? k.Rate : 0;
            if (k.State == CommissionStates.Paid)
            {
                var settled = k.Amount + rows.Where(x => x.Kind == "clawback" && x.ProgramId == k.ProgramId).Sum(x => x.Amount);
                if (due < settled)
                {
                    db.Commissions.Add(new Commission
                    {
                        Id = Guid.CreateVersion7(now), WorkspaceId = k.WorkspaceId, ProgramId = k.ProgramId, CreatorId = k.CreatorId, ConversionId = c.Id,
                        Kind = "clawback", RateType = k.RateType, Rate = k.Rate, Base = newBase - k.Base, Amount = due - settled, Currency = k.Currency,
                        State = CommissionStates.Approved, EarnedAt = now, AvailableAt = now, UpdatedAt = now,
                        Note = c.Status == "cancelled" ? "order cancelled after payout" : "refund after payout",
                    });
                }
                continue;
            }
            if (k.State == CommissionStates.Cancelled)
                continue;
            (k.Base, k.Amount, k.UpdatedAt) = (newBase, due, now);
            if (due <= 0)
            {
                k.State = CommissionStates.Cancelled;
                k.Note = c.Status == "cancelled" ? "order cancelled" : "order refunded";
            }
        }
    }
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<CommissionRuleDto>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
internal sealed partial class CommissionsStoreJson : System.Text.Json.Serialization.JsonSerializerContext;
