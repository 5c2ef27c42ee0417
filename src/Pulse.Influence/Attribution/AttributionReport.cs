using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pulse.Collect.Events;
using Pulse.Influence.Links;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;

namespace Pulse.Influence.Attribution;

/// <summary>What a report covers; every field has a default (the last 30 days, by channel, all seven models).</summary>
/// <param name="LookbackDays">How far before a conversion its touches count (1 to 365; default 30).</param>
/// <param name="Currency">Only conversions in this currency count (their value is what was paid less refunds); default the most common one.</param>
public sealed record AttributionReportRequest(
    AttributionLevel Level = AttributionLevel.Channel,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    IReadOnlyList<string>? Models = null,
    int? LookbackDays = null,
    string? Currency = null,
    double? HalfLifeDays = null);

/// <summary>
/// The answer: per model, per touch key (a channel, a campaign, or a creator's id with its name in
/// <see cref="Labels"/>) the conversions and value credited, which add up to <see cref="Totals"/>.
/// </summary>
/// <param name="Journeys">Converting journeys attributed.</param>
/// <param name="NotConverted">Paths of people who did not convert (Markov's nulls).</param>
/// <param name="WithoutTouches">Conversions with no touch in the lookback window, credited to <c>(direct)</c>.</param>
/// <param name="OtherCurrencies">Conversions left out because they were in another currency, by currency.</param>
public sealed record AttributionReportDto(
    string Level, DateTimeOffset From, DateTimeOffset To, int LookbackDays, string? Currency,
    IReadOnlyDictionary<string, IReadOnlyDictionary<string, CreditDto>> Models, CreditDto Totals, IReadOnlyDictionary<string, string> Labels,
    int Journeys, int NotConverted, int WithoutTouches, IReadOnlyDictionary<string, int> OtherCurrencies, IReadOnlyList<string> Notes);

/// <summary>
/// Attribution of the workspace's recorded conversions over the journeys on the event log: link
/// clicks, code uses, visits from social networks, search and e-mail, campaign-tagged visits and ad
/// click ids, joined across each person's ids by the identity graph (<see cref="JourneyBuilder"/>).
/// With <c>Links:CodeBeatsClick</c> (default) a sale with a creator's code is that creator's alone.
/// </summary>
public sealed class AttributionReport
{
    public const int MaxDays = 400;
    private readonly InfluenceDbContext _db;
    private readonly Touchpoints _touchpoints;
    private readonly TimeProvider _time;
    private readonly LinksOptions _options;

    internal AttributionReport(InfluenceDbContext db, Touchpoints touchpoints, TimeProvider time, IOptions<LinksOptions> options)
    {
        _db = db;
        _touchpoints = touchpoints;
        _time = time;
        _options = options.Value;
    }

    public async Task<AttributionReportDto> RunAsync(Actor actor, AttributionReportRequest r, CancellationToken ct)
    {
        actor.Demand(Permission.AttributionRead);
        var (journeys, report) = await JourneysAsync(actor.WorkspaceId, r, ct);
        var models = report.Models;
        var notes = new List<string>();
        var settings = new AttributionSettings(r.HalfLifeDays ?? AttributionSettings.Default.HalfLifeDays);
        var atLevel = JourneyBuilder.AtLevel(journeys, r.Level);
        var keys = atLevel.SelectMany(j => j.Path).Distinct(StringComparer.Ordinal).Count();
        if (keys > AnalyzeRequest.MaxChannels && models.Remove(AttributionModel.Markov))
            notes.Add($"Markov was left out: it handles at most {AnalyzeRequest.MaxChannels:N0} distinct touches and this report has {keys:N0}.");
        var credited = Attributor.Attribute(atLevel, models, settings);
        var converting = atLevel.Where(j => j.Conversions > 0).ToList();
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (r.Level == AttributionLevel.Creator)
        {
            var ids = credited.Values.SelectMany(m => m.Keys).Select(k => Guid.TryParse(k, out var g) ? g : Guid.Empty).Where(g => g != Guid.Empty).Distinct().ToList();
            foreach (var c in await _db.Creators.AsNoTracking().Where(c => c.WorkspaceId == actor.WorkspaceId && ids.Contains(c.Id)).Select(c => new { c.Id, c.Name }).ToListAsync(ct))
                labels[c.Id.ToString()] = c.Name;
        }
        return new AttributionReportDto(
            r.Level.ToString().ToLowerInvariant(), report.From, report.To, report.LookbackDays, report.Currency,
            AnalyzeResult.Ordered(credited, models), CreditDto.From(new Credit(converting.Sum(j => j.Conversions), converting.Sum(j => j.Value))), labels,
            converting.Count, (int)atLevel.Where(j => j.Conversions == 0).Sum(j => j.Nulls),
            converting.Count(j => j.Path is [JourneyBuilder.Direct]), report.OtherCurrencies, notes);
    }

    internal sealed record Scope(List<AttributionModel> Models, DateTimeOffset From, DateTimeOffset To, int LookbackDays, string? Currency, IReadOnlyDictionary<string, int> OtherCurrencies);

    /// <summary>The request checked, and the journeys of the workspace's conversions in its range (and the paths that did not convert).</summary>
    internal async Task<(List<(List<Touch> Path, ConversionPoint? Conversion)> Journeys, Scope Scope)> JourneysAsync(Guid workspace, AttributionReportRequest r, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var to = r.To ?? _time.GetUtcNow();
        var from = r.From ?? to.AddDays(-30);
        if (from >= to)
            errors["from"] = ["from is before to."];
        else if ((to - from).TotalDays > MaxDays)
            errors["to"] = [$"A report covers at most {MaxDays} days."];
        var lookback = r.LookbackDays ?? 30;
        if (lookback is < 1 or > 365)
            errors["lookbackDays"] = ["lookbackDays is 1 to 365."];
        if (r.HalfLifeDays is { } half && !(half > 0 && half <= 3650))
            errors["halfLifeDays"] = ["halfLifeDays is above 0 and at most 3650."];
        var models = new List<AttributionModel>();
        foreach (var name in r.Models is { Count: > 0 } given ? given : AttributionModels.Names)
        {
            if (AttributionModels.TryParse(name.Trim(), out var m))
                models.Add(m);
            else
                errors["models"] = [$"'{name}' is not a model; the models are {string.Join(", ", AttributionModels.Names)}."];
        }
        var currency = r.Currency is null ? null : Money.Currencies.Parse(r.Currency);
        if (r.Currency is not null && currency is null)
            errors["currency"] = [$"'{r.Currency}' is not an ISO 4217 currency code."];
        if (errors.Count > 0)
            throw new ValidationException(errors);

        var rows = await _db.Conversions.AsNoTracking()
            .Where(c => c.WorkspaceId == workspace && c.OccurredAt >= from && c.OccurredAt < to && c.Status != "cancelled" && c.Status != "refunded")
            .Select(c => new { c.OrderId, c.CustomerId, c.AnonymousId, c.ClickId, c.Code, c.Amount, c.Refunded, c.Currency, c.OccurredAt })
            .ToListAsync(ct);
        currency ??= rows.GroupBy(c => c.Currency).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g => g.Key).FirstOrDefault();
        // Orders in other currencies count at the workspace's rate of their day; without one they are left out, and counted.
        var rates = currency is null ? null : await Money.ExchangeRateService.TableAsync(_db, workspace, currency, ct);
        rows = rows.Select(c => c.Currency == currency || rates is null ? c
                : rates.Convert(c.Amount, c.Currency, c.OccurredAt) is { } amount && rates.Convert(c.Refunded, c.Currency, c.OccurredAt) is { } refunded
                    ? c with { Amount = amount, Refunded = refunded, Currency = currency! } : c)
            .ToList();
        var other = rows.Where(c => c.Currency != currency).GroupBy(c => c.Currency).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        rows = rows.Where(c => c.Currency == currency).ToList();

        var codes = await _db.Codes.AsNoTracking().Where(c => c.WorkspaceId == workspace && c.CreatorId != null)
            .Select(c => new { c.Code, c.CreatorId, c.Campaign }).ToDictionaryAsync(c => c.Code, StringComparer.Ordinal, ct);
        var handles = new Dictionary<string, Guid>(StringComparer.Ordinal);
        foreach (var h in await _db.Handles.AsNoTracking().Where(h => h.WorkspaceId == workspace).Select(h => new { h.Handle, h.CreatorId }).ToListAsync(ct))
            handles.TryAdd(h.Handle, h.CreatorId);
        var builder = new JourneyBuilder(handles, LinkService.ClickEvent);

        var window = TimeSpan.FromDays(lookback);
        var touchpoints = new List<(string? User, string? Anon, Touch Touch)>();
        await foreach (var t in _touchpoints.ReadAsync(workspace, from - window, to, LinkService.ClickEvent, ct))
        {
            if (builder.Classify(t) is { } touch)
                touchpoints.Add((t.UserId, t.AnonymousId, touch));
        }
        var visitors = await _touchpoints.VisitorsOfAsync(workspace, LinkService.ClickEvent,
            rows.Where(c => c.ClickId is not null && c.AnonymousId is null && c.CustomerId is null).Select(c => c.ClickId!).ToList(), ct);
        string? AnonOf(string? anon, string? click) => anon ?? (click is not null && visitors.TryGetValue(click, out var v) ? v : null);
        var people = await _touchpoints.PeopleAsync(workspace,
            touchpoints.Where(t => t.User is not null).Select(t => t.User!).Concat(rows.Where(c => c.CustomerId is not null).Select(c => c.CustomerId!)).ToHashSet(StringComparer.Ordinal),
            touchpoints.Where(t => t.Anon is not null).Select(t => t.Anon!).Concat(rows.Select(c => AnonOf(c.AnonymousId, c.ClickId)).OfType<string>()).ToHashSet(StringComparer.Ordinal),
            ct);
        var byPerson = new Dictionary<string, List<Touch>>(StringComparer.Ordinal);
        foreach (var (user, anon, touch) in touchpoints)
        {
            if (people.Of(user, anon) is not { } key)
                continue;
            if (!byPerson.TryGetValue(key, out var list))
                byPerson[key] = list = [];
            list.Add(touch);
        }
        var conversions = rows.Select(c =>
        {
            var code = c.Code is not null && codes.TryGetValue(c.Code, out var k) ? k : null;
            return new ConversionPoint(people.Of(c.CustomerId, AnonOf(c.AnonymousId, c.ClickId)) ?? "o:" + c.OrderId, c.OccurredAt,
                (double)(c.Amount - c.Refunded), code?.CreatorId, code?.Campaign);
        }).ToList();
        var journeys = JourneyBuilder.Journeys(byPerson, conversions, window, _options.CodeBeatsClick, from);
        return (journeys, new Scope(models.Distinct().ToList(), from, to, lookback, currency, other));
    }
}
