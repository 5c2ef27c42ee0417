using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Events;
using Pulse.Influence.Attribution;
using Pulse.Influence.Commissions;
using Pulse.Influence.Creators;
using Pulse.Influence.Links;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;

namespace Pulse.Influence.Roi;

/// <summary>What one model credits a key with, and what that makes of its cost (GLOSSARY: CAC, ROAS, ROI).</summary>
/// <param name="Cac">Cost per attributed conversion (commissions and fees over conversions credited); null without conversions.</param>
/// <param name="Roas">Attributed revenue / cost; null without cost.</param>
/// <param name="Roi">(Attributed revenue − cost) / cost; null without cost.</param>
public sealed record RoiModelDto(double Conversions, decimal Revenue, decimal? Cac, double? Roas, double? Roi);

/// <summary>One creator, campaign or platform: its traffic, its cost, and its return under each model.</summary>
/// <param name="Clicks">Clicks on tracked links by people (bots left out) in the range.</param>
/// <param name="UniqueVisitors">Distinct visitors among them.</param>
/// <param name="Commissions">Commissions (not cancelled) on the range's conversions credited to it, plus manual ones earned in the range.</param>
/// <param name="Fees">Contract fees (creator level), for the part of each contract's period within the range.</param>
/// <param name="Emv">Earned media value of the range's recorded posts (impressions at Emv:Cpm, engagements at Emv:Cpe); null when EMV is not configured.</param>
/// <param name="Posts">Recorded posts in the range.</param>
public sealed record RoiRowDto(string Key, string Label, long Clicks, long UniqueVisitors, long BotClicks, decimal Commissions, decimal Fees, decimal Cost,
    IReadOnlyDictionary<string, RoiModelDto> Models, decimal? Emv = null, int Posts = 0);

public sealed record RoiReportDto(string Level, DateTimeOffset From, DateTimeOffset To, string? Currency, IReadOnlyList<string> Models,
    IReadOnlyList<RoiRowDto> Rows, RoiRowDto Total, IReadOnlyList<string> Notes);

/// <summary>
/// Return on creators, campaigns and platforms: the attribution report's credits under each model
/// next to the traffic (link clicks on the log) and the cost (commissions, and at creator level
/// the contract fees) of each key, in the report's currency.
/// </summary>
public sealed class RoiReport
{
    private readonly InfluenceDbContext _db;
    private readonly AttributionReport _attribution;
    private readonly TrackedCounts _counts;
    private readonly EmvOptions _emv;

    internal RoiReport(InfluenceDbContext db, AttributionReport attribution, TrackedCounts counts, EmvOptions emv)
    {
        _db = db;
        _attribution = attribution;
        _counts = counts;
        _emv = emv;
    }

    public async Task<RoiReportDto> RunAsync(Actor actor, AttributionReportRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var credits = await _attribution.RunAsync(actor, request, ct);
        var (start, end, currency) = (credits.From, credits.To, credits.Currency);
        // No conversion in the range: costs and EMV are still shown, in the programs' (or EMV's) currency.
        currency ??= await _db.Programs.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId).OrderBy(p => p.CreatedAt).Select(p => p.Currency).FirstOrDefaultAsync(ct)
            ?? (_emv.Configured ? _emv.Currency : null);
        var notes = credits.Notes.ToList();
        var level = request.Level;

        // Traffic: the tracked links' clicks, by the property that names the key.
        var property = level switch { AttributionLevel.Creator => "creatorId", AttributionLevel.Campaign => "campaign", _ => "platform" };
        var clicks = (await _counts.GroupAsync(actor.WorkspaceId, LinkService.ClickEvent, property, start, end, ct))
            .GroupBy(c => level == AttributionLevel.Channel ? c.Key.Trim().ToLowerInvariant() : c.Key.Trim(), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (Total: g.Sum(c => c.Total - c.Bots), Unique: g.Sum(c => c.Unique), Bots: g.Sum(c => c.Bots)), StringComparer.Ordinal);

        // Cost: commissions on the range's conversions, by who or what they are credited to.
        var commissions = new Dictionary<string, decimal>(StringComparer.Ordinal);
        var fees = new Dictionary<string, decimal>(StringComparer.Ordinal);
        if (currency is not null)
        {
            var rows = await (from k in _db.Commissions
                              join c in _db.Conversions on k.ConversionId equals (Guid?)c.Id
                              where k.WorkspaceId == actor.WorkspaceId && k.State != CommissionStates.Cancelled
                                    && c.OccurredAt >= start && c.OccurredAt < end
                              select new { k.CreatorId, k.Amount, k.Currency, k.EarnedAt, c.LinkId, c.Code }).AsNoTracking().ToListAsync(ct);
            var manual = await _db.Commissions.AsNoTracking()
                .Where(k => k.WorkspaceId == actor.WorkspaceId && k.ConversionId == null && k.State != CommissionStates.Cancelled
                            && k.EarnedAt >= start && k.EarnedAt < end)
                .Select(k => new { k.CreatorId, k.Amount, k.Currency, k.EarnedAt }).ToListAsync(ct);
            // Commissions in other currencies count at the workspace's rate of their day; without one they are left out, and said so.
            var rates = await Money.ExchangeRateService.TableAsync(_db, actor.WorkspaceId, currency, ct);
            var unconverted = 0;
            decimal In(decimal amount, string cur, DateTimeOffset at)
            {
                if (rates.Convert(amount, cur, at) is { } v)
                    return decimal.Round(v, 2);
                unconverted++;
                return 0;
            }
            var linkIds = rows.Where(r => r.LinkId != null).Select(r => r.LinkId!.Value).Distinct().ToList();
            var links = await _db.Links.AsNoTracking().Where(l => linkIds.Contains(l.Id)).Select(l => new { l.Id, l.Campaign, l.Platform }).ToDictionaryAsync(l => l.Id, ct);
            var codes = await _db.Codes.AsNoTracking().Where(c => c.WorkspaceId == actor.WorkspaceId).Select(c => new { c.Code, c.Campaign }).ToDictionaryAsync(c => c.Code, c => c.Campaign, StringComparer.Ordinal, ct);
            void Add(string key, decimal amount) => commissions[key] = commissions.GetValueOrDefault(key) + amount;
            rows = rows.Select(r => r with { Amount = In(r.Amount, r.Currency, r.EarnedAt) }).ToList();
            manual = manual.Select(m => m with { Amount = In(m.Amount, m.Currency, m.EarnedAt) }).ToList();
            if (unconverted > 0)
                notes.Add($"{unconverted} commissions are in another currency than {currency} with no exchange rate for their day (/rates): they are not counted.");
            var mainPlatform = level != AttributionLevel.Channel ? [] : (await _db.Handles.AsNoTracking().Where(h => h.WorkspaceId == actor.WorkspaceId)
                    .Select(h => new { h.CreatorId, h.Platform, h.Followers }).ToListAsync(ct))
                .GroupBy(h => h.CreatorId).ToDictionary(g => g.Key, g => Handles.Name(g.OrderByDescending(h => h.Followers ?? -1).First().Platform));
            foreach (var r in rows)
            {
                var link = r.LinkId is { } id && links.TryGetValue(id, out var l) ? l : null;
                switch (level)
                {
                    case AttributionLevel.Creator:
                        Add(r.CreatorId.ToString(), r.Amount);
                        break;
                    case AttributionLevel.Campaign:
                        Add(link?.Campaign ?? (r.Code is { } code && codes.TryGetValue(code, out var camp) ? camp : null) ?? JourneyBuilder.None, r.Amount);
                        break;
                    default:
                        // A sale credited by code belongs to where the creator posts: their largest platform.
                        Add(link?.Platform?.ToLowerInvariant() ?? mainPlatform.GetValueOrDefault(r.CreatorId) ?? (r.Code is not null ? JourneyBuilder.CodeChannel : JourneyBuilder.None), r.Amount);
                        break;
                }
            }
            if (level == AttributionLevel.Creator)
            {
                foreach (var m in manual)
                    Add(m.CreatorId.ToString(), m.Amount);
                await FeesAsync(actor.WorkspaceId, start, end, currency, rates, fees, notes, ct);
            }
            else if (manual.Count > 0 || await _db.Creators.AnyAsync(c => c.WorkspaceId == actor.WorkspaceId && c.ContractFee != null, ct))
                notes.Add("Contract fees and manual commissions belong to creators, not to one campaign or platform: they count at the creator level only.");
        }

        // Earned media value of the range's posts, by creator, campaign or platform, in the report's currency.
        var emv = new Dictionary<string, (decimal Value, int Posts)>(StringComparer.Ordinal);
        if (_emv.Configured && currency is not null)
        {
            var posts = await _db.Posts.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId && p.PostedAt >= start && p.PostedAt < end)
                .Select(p => new { p.CreatorId, p.Campaign, p.Platform, p.Impressions, p.Engagements, p.PostedAt }).ToListAsync(ct);
            var emvRates = await Money.ExchangeRateService.TableAsync(_db, actor.WorkspaceId, currency, ct);
            var unvalued = 0;
            foreach (var p in posts)
            {
                if (_emv.Of(p.Impressions, p.Engagements) is not { } value)
                    continue;
                if (emvRates.Convert(value, _emv.Currency, p.PostedAt) is not { } inCurrency)
                {
                    unvalued++;
                    continue;
                }
                var key = level switch { AttributionLevel.Creator => p.CreatorId.ToString(), AttributionLevel.Campaign => p.Campaign ?? JourneyBuilder.None, _ => p.Platform };
                var (v, n) = emv.GetValueOrDefault(key);
                emv[key] = (v + decimal.Round(inCurrency, 2), n + 1);
            }
            if (unvalued > 0)
                notes.Add($"{unvalued} posts' EMV is in {_emv.Currency} with no exchange rate into {currency} (/rates): not counted.");
        }
        else
            notes.Add("EMV is not configured (Emv:Cpm, Emv:Cpe): posts' impressions and engagements are not valued.");
        var models = credits.Models.Keys.ToList();
        var keys = credits.Models.Values.SelectMany(m => m.Keys).Concat(clicks.Keys).Concat(commissions.Keys).Concat(fees.Keys).Concat(emv.Keys)
            .Distinct(StringComparer.Ordinal).ToList();
        var labels = new Dictionary<string, string>(credits.Labels, StringComparer.Ordinal)
        {
            [JourneyBuilder.None] = level == AttributionLevel.Creator ? "(no creator)" : level == AttributionLevel.Campaign ? "(no campaign)" : JourneyBuilder.None,
        };
        if (level == AttributionLevel.Creator)
        {
            var ids = keys.Select(k => Guid.TryParse(k, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty && !labels.ContainsKey(g.ToString())).ToList();
            foreach (var c in await _db.Creators.AsNoTracking().Where(c => c.WorkspaceId == actor.WorkspaceId && ids.Contains(c.Id)).Select(c => new { c.Id, c.Name }).ToListAsync(ct))
                labels[c.Id.ToString()] = c.Name;
        }
        RoiRowDto Row(string key, string label, (long Total, long Unique, long Bots) traffic, decimal commission, decimal fee, Func<string, CreditDto?> credit)
        {
            var cost = commission + fee;
            var byModel = new Dictionary<string, RoiModelDto>(StringComparer.Ordinal);
            foreach (var model in models)
            {
                var c = credit(model);
                var conversions = c?.Conversions ?? 0;
                var revenue = decimal.Round((decimal)(c?.Value ?? 0), 2);
                byModel[model] = new RoiModelDto(Math.Round(conversions, 4), revenue,
                    conversions > 0 && cost > 0 ? decimal.Round(cost / (decimal)conversions, 2) : null,
                    cost > 0 ? Math.Round((double)(revenue / cost), 4) : null,
                    cost > 0 ? Math.Round((double)((revenue - cost) / cost), 4) : null);
            }
            var (value, count) = key == "total" ? (emv.Values.Sum(x => x.Value), emv.Values.Sum(x => x.Posts)) : emv.GetValueOrDefault(key);
            return new RoiRowDto(key, label, traffic.Total, traffic.Unique, traffic.Bots, commission, fee, cost, byModel, _emv.Configured ? value : null, count);
        }
        var result = keys.Select(k => Row(k, labels.GetValueOrDefault(k) ?? k, clicks.GetValueOrDefault(k), commissions.GetValueOrDefault(k), fees.GetValueOrDefault(k),
                m => credits.Models[m].GetValueOrDefault(k)))
            .Where(r => r.Clicks + r.BotClicks > 0 || r.Cost != 0 || r.Posts > 0 || r.Models.Values.Any(v => v.Conversions > 0))
            .OrderByDescending(r => r.Models.Values.Select(v => v.Revenue).DefaultIfEmpty(0).Max()).ThenByDescending(r => r.Cost).ThenBy(r => r.Label, StringComparer.Ordinal)
            .ToList();
        var total = Row("total", "Total", (clicks.Values.Sum(c => c.Total), clicks.Values.Sum(c => c.Unique), clicks.Values.Sum(c => c.Bots)),
            commissions.Values.Sum(), fees.Values.Sum(), _ => credits.Totals);
        return new RoiReportDto(credits.Level, start, end, currency, models, result, total, notes);
    }

    /// <summary>Each creator's contract fee in <paramref name="currency"/>, for the share of its contract's days inside the range.</summary>
    private async Task FeesAsync(Guid workspace, DateTimeOffset from, DateTimeOffset to, string currency, Money.RateTable rates, Dictionary<string, decimal> fees,
        List<string> notes, CancellationToken ct)
    {
        var contracts = await _db.Creators.AsNoTracking().Where(c => c.WorkspaceId == workspace && c.ContractFee != null && c.ContractFee > 0)
            .Select(c => new { c.Id, c.ContractFee, c.ContractCurrency, c.ContractStart, c.ContractEnd }).ToListAsync(ct);
        int undated = 0, otherCurrency = 0;
        foreach (var c in contracts)
        {
            // A fee in another currency counts at the rate of the range's last day.
            if (c.ContractCurrency is not { } feeCurrency || rates.Convert(1m, feeCurrency, to) is not { } rate)
            {
                otherCurrency++;
                continue;
            }
            if (c.ContractStart is not { } start || c.ContractEnd is not { } end || end < start)
            {
                undated++;
                continue;
            }
            var contractFrom = new DateTimeOffset(start.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var contractTo = new DateTimeOffset(end.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            var overlap = (Min(to, contractTo) - Max(from, contractFrom)).TotalDays;
            if (overlap <= 0)
                continue;
            fees[c.Id.ToString()] = decimal.Round(c.ContractFee!.Value * rate * (decimal)(overlap / (contractTo - contractFrom).TotalDays), 2);
        }
        if (undated > 0)
            notes.Add($"{undated} creators' fees have no contract start and end, so no share of them falls in the range: they are not counted.");
        if (otherCurrency > 0)
            notes.Add($"{otherCurrency} creators' fees are in another currency than {currency} with no exchange rate (/rates) and are not counted.");
    }

    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
