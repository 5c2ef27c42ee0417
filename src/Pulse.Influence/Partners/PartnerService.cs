using System.Globalization;
using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Events;
using Pulse.Influence.Codes;
using Pulse.Influence.Commissions;
using Pulse.Influence.Creators;
using Pulse.Influence.Links;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;

namespace Pulse.Influence.Partners;

/// <summary>A program as its partner sees it: what it pays and where links may point.</summary>
public sealed record PartnerProgramDto(Guid Id, string Name, string Currency, int HoldDays, IReadOnlyList<CommissionRuleDto> Rules, IReadOnlyList<string> LandingDomains);

/// <summary>The signed-in partner's creator.</summary>
public sealed record PartnerProfileDto(Guid CreatorId, string Name, string? Email, string Status, IReadOnlyList<PartnerProgramDto> Programs);

public sealed record PartnerDayDto(DateOnly Day, long Clicks, int Conversions);

public sealed record PartnerMoneyDto(string Currency, decimal Revenue, decimal Pending, decimal OnHold, decimal Approved, decimal Paid);

/// <summary>The partner's last <c>Days</c> days: clicks (people, not bots), conversions and money per currency.</summary>
public sealed record PartnerOverviewDto(int Days, long Clicks, long UniqueClicks, int Conversions, IReadOnlyList<PartnerMoneyDto> Money, IReadOnlyList<PartnerDayDto> ByDay);

/// <summary>A conversion credited to the partner, without the customer's identity.</summary>
public sealed record PartnerConversionDto(string OrderId, string Type, DateTimeOffset OccurredAt, decimal Amount, decimal Refunded, string Currency, string Status,
    string? AttributedBy, string? Code, decimal Commission);

/// <param name="ProgramId">The program whose landing domains the address must be on; left out, any of the partner's programs.</param>
public sealed record PartnerLinkRequest(string? Url, Guid? ProgramId = null, string? Title = null, string? Platform = null, string? Slug = null);

/// <summary>
/// The partner portal's questions, each about the signed-in partner's own creator only: the
/// creator is found from the actor's user (a Partner member linked by <see cref="PartnerAccessService"/>),
/// never from a parameter, so no route can be pointed at another creator's data.
/// </summary>
public sealed class PartnerService
{
    /// <summary>Most links a partner may make for themselves.</summary>
    public const int MaxOwnLinks = 500;
    private readonly InfluenceDbContext _db;
    private readonly LinkService _links;
    private readonly CodeService _codes;
    private readonly CommissionService _commissions;
    private readonly TrackedCounts _counts;
    private readonly TimeProvider _time;

    internal PartnerService(InfluenceDbContext db, LinkService links, CodeService codes, CommissionService commissions, TrackedCounts counts, TimeProvider time)
    {
        _db = db;
        _links = links;
        _codes = codes;
        _commissions = commissions;
        _counts = counts;
        _time = time;
    }

    /// <summary>The address short links are shown with.</summary>
    public string BaseUrl
    {
        get => _links.BaseUrl;
        set => _links.BaseUrl = value;
    }

    public async Task<PartnerProfileDto> MeAsync(Actor actor, CancellationToken ct)
    {
        var me = await CreatorAsync(actor, ct);
        return new PartnerProfileDto(me.Id, me.Name, me.Email, me.Status.ToString().ToLowerInvariant(), await ProgramsAsync(actor, me.Id, ct));
    }

    public async Task<PartnerOverviewDto> OverviewAsync(Actor actor, int days, CancellationToken ct)
    {
        if (days is < 1 or > 366)
            throw new ValidationException("days", "days is 1 to 366.");
        var me = await CreatorAsync(actor, ct);
        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        var since = new DateTimeOffset(today.AddDays(1 - days).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
        var clicks = await _counts.BreakdownAsync(actor.WorkspaceId, LinkService.ClickEvent, "creatorId", me.Id.ToString(), TrackedDimension.Day, null, since, ct);
        var unique = await _counts.BreakdownAsync(actor.WorkspaceId, LinkService.ClickEvent, "creatorId", me.Id.ToString(), TrackedDimension.Property, "creatorId", since, ct);
        var conversions = await _db.Conversions.AsNoTracking().Where(c => c.WorkspaceId == actor.WorkspaceId && c.CreatorId == me.Id && c.OccurredAt >= since)
            .Select(c => new { c.OccurredAt, c.Amount, c.Refunded, c.Currency, c.Status }).ToListAsync(ct);
        var commissions = await _db.Commissions.AsNoTracking().Where(k => k.WorkspaceId == actor.WorkspaceId && k.CreatorId == me.Id)
            .GroupBy(k => new { k.Currency, k.State }).Select(g => new { g.Key.Currency, g.Key.State, Sum = g.Sum(k => k.Amount) }).ToListAsync(ct);
        var clicksByDay = clicks.ToDictionary(c => c.Key, c => c.Total - c.Bots, StringComparer.Ordinal);
        var byDay = Enumerable.Range(0, days).Select(i => today.AddDays(i - days + 1)).Select(d => new PartnerDayDto(d,
            clicksByDay.GetValueOrDefault(d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)),
            conversions.Count(c => DateOnly.FromDateTime(c.OccurredAt.UtcDateTime) == d && c.Status != "cancelled"))).ToList();
        decimal Of(string currency, string state) => commissions.Where(k => k.Currency == currency && k.State == state).Sum(k => k.Sum);
        var money = conversions.Select(c => c.Currency).Concat(commissions.Select(k => k.Currency)).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .Select(cur => new PartnerMoneyDto(cur, conversions.Where(c => c.Currency == cur && c.Status != "cancelled").Sum(c => c.Amount - c.Refunded),
                Of(cur, CommissionStates.Pending), Of(cur, CommissionStates.OnHold), Of(cur, CommissionStates.Approved), Of(cur, CommissionStates.Paid))).ToList();
        return new PartnerOverviewDto(days, clicks.Sum(c => c.Total - c.Bots), unique.Sum(u => u.Unique), conversions.Count(c => c.Status != "cancelled"), money, byDay);
    }

    public async Task<IReadOnlyList<LinkDto>> LinksAsync(Actor actor, CancellationToken ct)
    {
        var me = await CreatorAsync(actor, ct);
        return await _links.ForCreatorAsync(actor.WorkspaceId, me.Id, ct);
    }

    /// <summary>One of the partner's links; another creator's is "not found", as if it did not exist.</summary>
    public async Task<LinkDto> LinkAsync(Actor actor, Guid id, CancellationToken ct)
    {
        var me = await CreatorAsync(actor, ct);
        return (await _links.ForCreatorAsync(actor.WorkspaceId, me.Id, ct, id)).FirstOrDefault() ?? throw new NotFoundException("The link");
    }

    /// <summary>A link of the partner's own to an address on one of their programs' landing domains; the rest of the link is the brand's defaults.</summary>
    public async Task<LinkDto> CreateLinkAsync(Actor actor, PartnerLinkRequest request, CancellationToken ct)
    {
        var me = await CreatorAsync(actor, ct);
        if (me.Status != CreatorStatus.Active)
            throw new ForbiddenException($"Only active partners make links; this account is {me.Status.ToString().ToLowerInvariant()}.");
        var programs = await ProgramsAsync(actor, me.Id, ct);
        if (request.ProgramId is { } pid)
        {
            programs = programs.Where(p => p.Id == pid).ToList();
            if (programs.Count == 0)
                throw new ValidationException("programId", "You are not in that program.");
        }
        var domains = programs.SelectMany(p => p.LandingDomains).Distinct(StringComparer.Ordinal).ToList();
        if (domains.Count == 0)
            throw new ValidationException("url", "None of your programs lets partners make their own links; ask the brand for a link.");
        if (string.IsNullOrWhiteSpace(request.Url))
            throw new ValidationException("url", "url is required.");
        if (!LandingDomains.Allows(domains, request.Url))
            throw new ValidationException("url", $"Links may point only to {string.Join(", ", domains)} (and their subdomains), over http or https.");
        if (await _db.Links.CountAsync(l => l.WorkspaceId == actor.WorkspaceId && l.CreatorId == me.Id, ct) >= MaxOwnLinks)
            throw new ValidationException("url", $"You have {MaxOwnLinks} links, the most a partner may have; ask the brand to remove old ones.");
        return await _links.CreateCoreAsync(actor, new CreateLinkRequest(request.Url, request.Slug, me.Id, Title: request.Title, Platform: request.Platform), ct);
    }

    public async Task<IReadOnlyList<CodeDto>> CodesAsync(Actor actor, CancellationToken ct)
    {
        var me = await CreatorAsync(actor, ct);
        return await _codes.ForCreatorAsync(actor.WorkspaceId, me.Id, ct);
    }

    /// <summary>The partner's latest conversions (at most <paramref name="limit"/>) with what each earned them.</summary>
    public async Task<IReadOnlyList<PartnerConversionDto>> ConversionsAsync(Actor actor, int limit, CancellationToken ct)
    {
        var me = await CreatorAsync(actor, ct);
        var rows = await _db.Conversions.AsNoTracking().Where(c => c.WorkspaceId == actor.WorkspaceId && c.CreatorId == me.Id)
            .OrderByDescending(c => c.Id).Take(Math.Clamp(limit, 1, 10_000)).ToListAsync(ct);
        var ids = rows.Select(r => r.Id).ToList();
        var earned = (await _db.Commissions.AsNoTracking().Where(k => k.CreatorId == me.Id && k.ConversionId != null && ids.Contains(k.ConversionId.Value) && k.State != CommissionStates.Cancelled)
            .Select(k => new { k.ConversionId, k.Amount }).ToListAsync(ct)).GroupBy(k => k.ConversionId!.Value).ToDictionary(g => g.Key, g => g.Sum(k => k.Amount));
        return rows.Select(c => new PartnerConversionDto(c.OrderId, c.Type, c.OccurredAt, c.Amount, c.Refunded, c.Currency, c.Status, c.AttributedBy, c.Code,
            earned.GetValueOrDefault(c.Id))).ToList();
    }

    public async Task<IReadOnlyList<CommissionDto>> CommissionsAsync(Actor actor, int limit, CancellationToken ct)
    {
        var me = await CreatorAsync(actor, ct);
        var rows = await _db.Commissions.AsNoTracking().Where(k => k.WorkspaceId == actor.WorkspaceId && k.CreatorId == me.Id)
            .OrderByDescending(k => k.Id).Take(Math.Clamp(limit, 1, 10_000)).ToListAsync(ct);
        return await _commissions.ToDtosAsync(rows, ct);
    }

    public async Task<IReadOnlyList<PayoutRecordDto>> PayoutsAsync(Actor actor, CancellationToken ct)
    {
        var me = await CreatorAsync(actor, ct);
        var rows = await _db.Payouts.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId && p.CreatorId == me.Id).OrderByDescending(p => p.Id).Take(1000).ToListAsync(ct);
        return await _commissions.PayoutDtosAsync(rows, ct);
    }

    public async Task<StatementDto> StatementAsync(Actor actor, string month, string? currency, CancellationToken ct)
    {
        var me = await CreatorAsync(actor, ct);
        return await _commissions.StatementCoreAsync(actor, me.Id, month, currency, ct);
    }

    /// <summary>The months the partner has a statement for (any commission earned or payout made), newest first.</summary>
    public async Task<IReadOnlyList<string>> MonthsAsync(Actor actor, CancellationToken ct)
    {
        var me = await CreatorAsync(actor, ct);
        var earned = await _db.Commissions.AsNoTracking().Where(k => k.WorkspaceId == actor.WorkspaceId && k.CreatorId == me.Id).Select(k => k.EarnedAt).ToListAsync(ct);
        var paid = await _db.Payouts.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId && p.CreatorId == me.Id).Select(p => p.CreatedAt).ToListAsync(ct);
        return earned.Concat(paid).Select(d => d.UtcDateTime.ToString("yyyy-MM", CultureInfo.InvariantCulture)).Distinct(StringComparer.Ordinal)
            .OrderDescending(StringComparer.Ordinal).ToList();
    }

    /// <summary>The partner's data as CSV: <c>links</c>, <c>conversions</c> or <c>commissions</c>.</summary>
    public async Task ExportAsync(Actor actor, string kind, Stream output, CancellationToken ct)
    {
        if (kind is not ("links" or "conversions" or "commissions"))
            throw new ValidationException("kind", "kind is links, conversions or commissions.");
        await using var csv = CsvWriter.Create(output, CsvWriterOptions.Default with { Injection = CsvInjection.Escape }, true);
        static string M(decimal d) => d.ToString("0.00", CultureInfo.InvariantCulture);
        static string D(DateTimeOffset d) => d.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
        async Task Row(params string?[] fields) => await csv.WriteRecordAsync(fields, ct);
        switch (kind)
        {
            case "links":
                await Row("short_url", "destination", "title", "platform", "clicks", "unique_clicks", "bot_clicks", "enabled", "created");
                foreach (var l in await LinksAsync(actor, ct))
                    await Row(l.ShortUrl, l.Destination, l.Title, l.Platform, l.Clicks.ToString(CultureInfo.InvariantCulture), l.UniqueClicks.ToString(CultureInfo.InvariantCulture),
                        l.BotClicks.ToString(CultureInfo.InvariantCulture), l.Enabled ? "yes" : "no", D(l.CreatedAt));
                break;
            case "conversions":
                await Row("order", "type", "date", "amount", "refunded", "currency", "status", "credited_by", "code", "commission");
                foreach (var c in await ConversionsAsync(actor, 10_000, ct))
                    await Row(c.OrderId, c.Type, D(c.OccurredAt), M(c.Amount), M(c.Refunded), c.Currency, c.Status, c.AttributedBy, c.Code, M(c.Commission));
                break;
            default:
                await Row("earned", "order", "kind", "base", "rate", "amount", "currency", "state", "available", "note");
                foreach (var k in await CommissionsAsync(actor, 10_000, ct))
                    await Row(D(k.EarnedAt), k.OrderId, k.Kind, M(k.Base), k.RateType == "percent" ? k.Rate.ToString("0.##", CultureInfo.InvariantCulture) + "%" : M(k.Rate),
                        M(k.Amount), k.Currency, k.State, D(k.AvailableAt), k.Note);
                break;
        }
        await csv.FlushAsync(ct);
    }

    private async Task<List<PartnerProgramDto>> ProgramsAsync(Actor actor, Guid creatorId, CancellationToken ct)
    {
        var programs = await (from m in _db.ProgramMembers
                              join p in _db.Programs on m.ProgramId equals p.Id
                              where m.CreatorId == creatorId && p.WorkspaceId == actor.WorkspaceId && p.Enabled
                              orderby p.Name
                              select p).AsNoTracking().ToListAsync(ct);
        return programs.Select(p => new PartnerProgramDto(p.Id, p.Name, p.Currency, p.HoldDays,
            System.Text.Json.JsonSerializer.Deserialize(p.Rules, CommissionsStoreJson.Default.ListCommissionRuleDto) ?? [], LandingDomains.Split(p.LandingDomains))).ToList();
    }

    /// <summary>The creator the actor signs in as: only a person (not a key) holding the Partner role, linked to a creator of this workspace.</summary>
    private async Task<Creator> CreatorAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.PartnerPortal);
        if (actor.Kind != ActorKinds.User || !Guid.TryParse(actor.Id, out var userId))
            throw new ForbiddenException("The partner portal is for partners signed in as themselves.");
        return await _db.Creators.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == actor.WorkspaceId && c.UserId == userId, ct)
            ?? throw new ForbiddenException("This account is not linked to a creator of the workspace; ask the brand for an invitation.");
    }
}
