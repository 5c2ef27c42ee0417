using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Events;
using Pulse.Collect.Sources;
using Pulse.Influence.Creators;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Cluster;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Links;

/// <summary>Filters of a link list.</summary>
public sealed record LinkFilter(Guid? CreatorId = null, string? Campaign = null, string? Query = null);

/// <summary>
/// Tracked short links of a workspace. Each belongs to a creator and a campaign when given; every
/// change is audited and announced so each node's redirect cache drops the old link at once.
/// Clicks are the <c>Link Clicked</c> events on the log, counted there.
/// </summary>
public sealed partial class LinkService
{
    public const string ClickEvent = "Link Clicked";
    public const string SourceName = "Tracked links";
    public const string CacheTopic = "influence.links";
    private const string CursorKind = "links";
    private readonly InfluenceDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly SourceService _sources;
    private readonly TrackedCounts _counts;
    private readonly ICacheSignals _signals;
    private static readonly PasswordHasher<Link> Hasher = new();

    internal LinkService(InfluenceDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time, SourceService sources, TrackedCounts counts, ICacheSignals signals)
    {
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
        _sources = sources;
        _counts = counts;
        _signals = signals;
    }

    /// <summary>The address short links are shown with; set by the endpoint from the options or the request.</summary>
    public string BaseUrl { get; set; } = "";

    public async Task<LinkDto> CreateAsync(Actor actor, CreateLinkRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        return await CreateCoreAsync(actor, request, ct);
    }

    /// <summary>Makes a link without the permission check: the partner portal's own checks (the creator is the partner, the address in a program's domains) come first.</summary>
    internal async Task<LinkDto> CreateCoreAsync(Actor actor, CreateLinkRequest request, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var row = NewLink(actor, "");
        Apply(row, ToUpdate(request), errors, creating: true);
        var creator = await CreatorAsync(actor, row.CreatorId, errors, ct);
        if (errors.Count > 0)
            throw new ValidationException(errors);
        Defaults(row, creator);
        row.SourceId = await LinkSourceAsync(actor.WorkspaceId, ct);
        var generated = request.Slug is null;
        for (var attempt = 0; ; attempt++)
        {
            if (generated)
                row.Slug = LinkInput.NewSlug();
            if (!await _db.Links.AnyAsync(l => l.Slug == row.Slug, ct))
                break;
            if (!generated)
                throw new ConflictException($"The slug '{row.Slug}' is taken; choose another.");
            if (attempt > 8)
                throw new ConflictException("No free slug was found; try again.");
        }
        var dto = await _audit.WriteAsync(_platform, _db, actor, c =>
        {
            _db.Links.Add(row);
            return Task.FromResult((ToDto(row, creator?.Name, null), (IReadOnlyList<AuditRecord>)[new AuditRecord("link.created", "link", row.Id.ToString(), null, Summary(row))]));
        }, ct);
        _signals.Announce(CacheTopic);
        return dto;
    }

    public async Task<LinkDto> UpdateAsync(Actor actor, Guid id, UpdateLinkRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var dto = await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.Links.FirstOrDefaultAsync(l => l.Id == id && l.WorkspaceId == actor.WorkspaceId, c) ?? throw new NotFoundException("The link");
            var before = Summary(row);
            var oldSlug = row.Slug;
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            Apply(row, request, errors, creating: false);
            var creator = await CreatorAsync(actor, row.CreatorId, errors, c);
            if (errors.Count > 0)
                throw new ValidationException(errors);
            if (row.Slug != oldSlug && await _db.Links.AnyAsync(l => l.Slug == row.Slug && l.Id != row.Id, c))
                throw new ConflictException($"The slug '{row.Slug}' is taken; choose another.");
            row.UpdatedAt = _time.GetUtcNow();
            var counts = await _counts.CountAsync(actor.WorkspaceId, ClickEvent, "linkId", [row.Id.ToString()], c);
            return (ToDto(row, creator?.Name, counts.GetValueOrDefault(row.Id.ToString())),
                (IReadOnlyList<AuditRecord>)[new AuditRecord("link.updated", "link", row.Id.ToString(), before, Summary(row))]);
        }, ct);
        _signals.Announce(CacheTopic);
        return dto;
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.Links.FirstOrDefaultAsync(l => l.Id == id && l.WorkspaceId == actor.WorkspaceId, c) ?? throw new NotFoundException("The link");
            _db.Links.Remove(row);
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord("link.deleted", "link", id.ToString(), Summary(row), null)]);
        }, ct);
        _signals.Announce(CacheTopic);
    }

    public async Task<LinkDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var row = await _db.Links.AsNoTracking().FirstOrDefaultAsync(l => l.Id == id && l.WorkspaceId == actor.WorkspaceId, ct) ?? throw new NotFoundException("The link");
        var name = row.CreatorId is { } cid ? await _db.Creators.Where(c => c.Id == cid).Select(c => c.Name).FirstOrDefaultAsync(ct) : null;
        var counts = await _counts.CountAsync(actor.WorkspaceId, ClickEvent, "linkId", [row.Id.ToString()], ct);
        return ToDto(row, name, counts.GetValueOrDefault(row.Id.ToString()));
    }

    /// <summary>The links of one creator with their click counts (newest first, at most 1,000), for the partner portal.</summary>
    /// <param name="linkId">Only this link (when it is the creator's).</param>
    internal async Task<IReadOnlyList<LinkDto>> ForCreatorAsync(Guid workspace, Guid creatorId, CancellationToken ct, Guid? linkId = null)
    {
        var query = _db.Links.AsNoTracking().Where(l => l.WorkspaceId == workspace && l.CreatorId == creatorId);
        if (linkId is { } only)
            query = query.Where(l => l.Id == only);
        var rows = await query.OrderByDescending(l => l.Id).Take(1000).ToListAsync(ct);
        var name = await _db.Creators.Where(c => c.Id == creatorId).Select(c => c.Name).FirstOrDefaultAsync(ct);
        IReadOnlyDictionary<string, TrackedCount> counts = rows.Count == 0 ? new Dictionary<string, TrackedCount>()
            : await _counts.CountAsync(workspace, ClickEvent, "linkId", rows.Select(r => r.Id.ToString()).ToList(), ct);
        return rows.Select(r => ToDto(r, name, counts.GetValueOrDefault(r.Id.ToString()))).ToList();
    }

    public async Task<Page<LinkDto>> ListAsync(Actor actor, LinkFilter filter, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var query = _db.Links.AsNoTracking().Where(l => l.WorkspaceId == actor.WorkspaceId);
        if (filter.CreatorId is { } creator)
            query = query.Where(l => l.CreatorId == creator);
        if (!string.IsNullOrWhiteSpace(filter.Campaign))
            query = query.Where(l => l.Campaign == filter.Campaign.Trim());
        if (!string.IsNullOrWhiteSpace(filter.Query))
        {
            var q = filter.Query.Trim().ToLowerInvariant();
            query = query.Where(l => l.Slug.Contains(q) || l.Url.ToLower().Contains(q) || (l.Title != null && l.Title.ToLower().Contains(q)));
        }
        if (page.Cursor is { } cursor)
        {
            var after = Cursor.DecodeGuid(CursorKind, cursor);
            query = query.Where(l => l.Id > after);
        }
        var rows = await query.OrderBy(l => l.Id).Take(page.Limit + 1).ToListAsync(ct);
        var shown = rows.Take(page.Limit).ToList();
        var creatorIds = shown.Where(l => l.CreatorId is not null).Select(l => l.CreatorId!.Value).Distinct().ToList();
        var names = await _db.Creators.Where(c => creatorIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var counts = await _counts.CountAsync(actor.WorkspaceId, ClickEvent, "linkId", shown.Select(l => l.Id.ToString()).ToList(), ct);
        var items = shown.Select(l => ToDto(l, l.CreatorId is { } c ? names.GetValueOrDefault(c) : null, counts.GetValueOrDefault(l.Id.ToString()))).ToList();
        return new Page<LinkDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, shown[^1].Id) : null);
    }

    /// <summary>A link's clicks by day, country, device, browser, OS, referrer and QR-or-link, since <paramref name="from"/> (default 30 days).</summary>
    public async Task<LinkStatsDto> StatsAsync(Actor actor, Guid id, DateTimeOffset? from, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        if (!await _db.Links.AnyAsync(l => l.Id == id && l.WorkspaceId == actor.WorkspaceId, ct))
            throw new NotFoundException("The link");
        var since = from ?? _time.GetUtcNow().AddDays(-30);
        async Task<IReadOnlyList<ClickCountDto>> By(TrackedDimension d, string? prop = null) =>
            (await _counts.BreakdownAsync(actor.WorkspaceId, ClickEvent, "linkId", id.ToString(), d, prop, since, ct))
            .Select(x => new ClickCountDto(x.Key.Length == 0 ? "unknown" : x.Key, x.Total, x.Unique, x.Bots)).ToList();
        var days = await By(TrackedDimension.Day);
        return new LinkStatsDto(days.Sum(d => d.Clicks), (await By(TrackedDimension.Property, "linkId")).Sum(x => x.Unique), days.Sum(d => d.Bots),
            days, await By(TrackedDimension.Country), await By(TrackedDimension.Device), await By(TrackedDimension.Browser), await By(TrackedDimension.Os),
            await By(TrackedDimension.Referrer), await By(TrackedDimension.Property, "via"));
    }

    /// <summary>A breakdown as CSV: one line per breakdown and key (day, country, device …) with clicks, unique visitors and bots.</summary>
    public static async Task WriteStatsCsvAsync(LinkStatsDto s, Stream output, CancellationToken ct)
    {
        await using var csv = CsvHelper.CsvWriter.Create(output, CsvHelper.CsvWriterOptions.Default with { Injection = CsvHelper.CsvInjection.Escape }, true);
        await csv.WriteRecordAsync(["breakdown", "key", "clicks", "unique", "bots"], ct);
        await csv.WriteRecordAsync(["total", "", s.Clicks.ToString(System.Globalization.CultureInfo.InvariantCulture),
            s.UniqueClicks.ToString(System.Globalization.CultureInfo.InvariantCulture), s.BotClicks.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);
        foreach (var (name, rows) in new[] { ("day", s.Days), ("country", s.Countries), ("device", s.Devices), ("browser", s.Browsers), ("os", s.Os), ("referrer", s.Referrers), ("via", s.Via) })
        {
            foreach (var r in rows)
                await csv.WriteRecordAsync([name, r.Key, r.Clicks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    r.Unique.ToString(System.Globalization.CultureInfo.InvariantCulture), r.Bots.ToString(System.Globalization.CultureInfo.InvariantCulture)], ct);
        }
        await csv.FlushAsync(ct);
    }

    /// <summary>The route of <paramref name="slug"/> for the redirect cache, or null when no link has it.</summary>
    internal async Task<LinkRoute?> RouteAsync(string slug, CancellationToken ct)
    {
        var row = await _db.Links.AsNoTracking().FirstOrDefaultAsync(l => l.Slug == slug, ct);
        if (row is null)
            return null;
        var system = SystemActor(row.WorkspaceId);
        var source = await _sources.GetAsync(system, row.SourceId.ToString(), ct);
        var geo = row.GeoTargets is null ? null : JsonSerializer.Deserialize(row.GeoTargets, LinksStoreJson.Default.DictionaryStringString);
        var variants = row.Variants is null ? null : JsonSerializer.Deserialize(row.Variants, LinksStoreJson.Default.ListVariantDto);
        var utm = Utm(row);
        string With(string url) => row.Utm && url.StartsWith("http", StringComparison.Ordinal) ? UrlParams.AddMissing(url, utm) : url;
        return new LinkRoute(row.Id, row.WorkspaceId, row.Slug, row.Enabled && source.Enabled, row.RedirectStatus, row.ExpiresAt, row.ExpiredUrl, row.PasswordHash,
            With(row.Url), row.IosUrl is null ? null : With(row.IosUrl), row.AndroidUrl is null ? null : With(row.AndroidUrl),
            geo?.ToDictionary(g => g.Key, g => With(g.Value)).ToFrozenDictionary(StringComparer.Ordinal),
            variants?.Select(v => (With(v.Url!), v.Weight ?? 1)).ToList(), row.TrackParam, row.CreatorId, row.Campaign, row.Platform, source.WriteKey);
    }

    internal static bool PasswordMatches(LinkRoute route, string? password) =>
        route.PasswordHash is { } hash && password is { Length: > 0 }
        && Hasher.VerifyHashedPassword(null!, hash, password) is PasswordVerificationResult.Success or PasswordVerificationResult.SuccessRehashNeeded;

    private static Actor SystemActor(Guid workspace) => new(ActorKinds.System, "links", "system:links", workspace, WorkspaceRole.Owner);

    /// <summary>The workspace's "Tracked links" source (made on first use, without a rate limit: clicks are never refused).</summary>
    private async Task<Guid> LinkSourceAsync(Guid workspace, CancellationToken ct)
    {
        var system = SystemActor(workspace);
        try
        {
            return (await _sources.GetAsync(system, SourceName, ct)).Id;
        }
        catch (NotFoundException)
        {
            try
            {
                return (await _sources.CreateAsync(system, new CreateSourceRequest(SourceName, MaxBatchBytes: 2 * 1024 * 1024, RateLimitPerSecond: 0), ct)).Id;
            }
            catch (ConflictException)
            {
                return (await _sources.GetAsync(system, SourceName, ct)).Id;
            }
        }
    }

    private async Task<Creator?> CreatorAsync(Actor actor, Guid? id, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (id is not { } cid)
            return null;
        var creator = await _db.Creators.AsNoTracking().Include(c => c.Handles).FirstOrDefaultAsync(c => c.Id == cid && c.WorkspaceId == actor.WorkspaceId, ct);
        if (creator is null)
            errors["creatorId"] = [$"No creator {cid} in this workspace."];
        return creator;
    }

    /// <summary>UTM source and content from the creator when the link does not name them.</summary>
    private static void Defaults(Link row, Creator? creator)
    {
        if (creator is null)
            return;
        var main = creator.Handles.OrderByDescending(h => h.Followers ?? -1).FirstOrDefault();
        row.Platform ??= main is null ? null : Handles.Name(main.Platform);
        row.Content ??= main?.Handle ?? creator.Name;
        if (creator.ContractType == ContractType.Affiliate && row.Medium == "influencer")
            row.Medium = "affiliate";
    }

    /// <summary>A link with the defaults every new one starts from: UTM on, 302, enabled, <c>ref</c> as the tracking parameter, medium influencer.</summary>
    private Link NewLink(Actor actor, string url)
    {
        var now = _time.GetUtcNow();
        return new Link
        {
            Id = Guid.CreateVersion7(now), WorkspaceId = actor.WorkspaceId, Slug = "", Url = url, Medium = "influencer", Utm = true, RedirectStatus = 302,
            Enabled = true, TrackParam = "ref", CreatedAt = now, CreatedBy = actor.Name, UpdatedAt = now,
        };
    }

    private static UpdateLinkRequest ToUpdate(CreateLinkRequest r) => new(r.Url, r.Slug, r.CreatorId, r.Campaign, r.Title, r.Platform, r.Medium, r.Content, r.Utm,
        r.Redirect, r.Enabled, r.ExpiresAt, r.ExpiredUrl, r.Password, r.Ios, r.Android, r.Geo, r.Variants, r.TrackParam);

    private static IEnumerable<(string, string?)> Utm(Link row) => UrlParams.Utm(row.Platform, row.Medium, row.Campaign, row.Content);

    private LinkDto ToDto(Link row, string? creatorName, TrackedCount? clicks) => new(
        row.Id, row.Slug, BaseUrl.TrimEnd('/') + "/l/" + row.Slug, row.Url, row.Utm ? UrlParams.AddMissing(row.Url, Utm(row)) : row.Url, row.Title,
        row.CreatorId, creatorName, row.Campaign, row.Platform, row.Medium, row.Content, row.Utm, row.RedirectStatus, row.Enabled, row.ExpiresAt, row.ExpiredUrl,
        row.PasswordHash is not null, row.IosUrl, row.AndroidUrl,
        row.GeoTargets is null ? null : JsonSerializer.Deserialize(row.GeoTargets, LinksStoreJson.Default.DictionaryStringString),
        row.Variants is null ? null : JsonSerializer.Deserialize(row.Variants, LinksStoreJson.Default.ListVariantDto),
        row.TrackParam, clicks?.Total ?? 0, clicks?.Unique ?? 0, clicks?.Bots ?? 0, row.CreatedAt, row.UpdatedAt);

    private static string Summary(Link r) => AuditSummary.Of(new
    {
        r.Slug, r.Url, r.CreatorId, r.Campaign, r.Platform, r.Medium, r.Enabled, r.RedirectStatus, r.ExpiresAt, password = r.PasswordHash is not null,
        r.IosUrl, r.AndroidUrl, geo = r.GeoTargets, variants = r.Variants,
    });
}

[System.Text.Json.Serialization.JsonSerializable(typeof(Dictionary<string, string>))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<VariantDto>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
internal sealed partial class LinksStoreJson : System.Text.Json.Serialization.JsonSerializerContext;
