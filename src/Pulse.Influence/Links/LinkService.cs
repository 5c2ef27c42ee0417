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
public sealed class LinkService
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
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var row = new Link
        {
            Id = Guid.CreateVersion7(_time.GetUtcNow()),
            WorkspaceId = actor.WorkspaceId,
            Slug = "",
            Url = "",
            Medium = "influencer",
            Utm = true,
            RedirectStatus = 302,
            Enabled = true,
            TrackParam = "ref",
            CreatedAt = _time.GetUtcNow(),
            CreatedBy = actor.Name,
            UpdatedAt = _time.GetUtcNow(),
        };
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

    /// <summary>At most this many links per bulk request.</summary>
    public const int MaxBulk = 1000;

    /// <summary>One URL → a link per creator and platform, in one audited transaction; nothing is made when any part is wrong.</summary>
    public async Task<BulkLinkResult> CreateBulkAsync(Actor actor, BulkLinkRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (url, urlError) = LinkInput.CheckUrl(request.Url);
        if (urlError is not null)
            errors["url"] = [urlError];
        if ((request.CreatorIds is null or { Count: 0 }) == string.IsNullOrWhiteSpace(request.Group))
            errors["creatorIds"] = ["Name the creators (creatorIds) or a group (group), one of the two."];
        if (request.CreatorIds is { Count: > MaxBulk })
            errors["creatorIds"] = [$"At most {MaxBulk} creators per request."];
        var platforms = new List<string>();
        foreach (var p in request.Platforms ?? [])
        {
            var v = p?.Trim().ToLowerInvariant() ?? "";
            if (Handles.ParsePlatform(v) is { } sp)
                platforms.Add(Handles.Name(sp));
            else if (LinkInput.IsPlainName(v))
                platforms.Add(v);
            else
                errors["platforms"] = [$"'{p}' is not a platform name."];
        }
        if (errors.Count > 0)
            throw new ValidationException(errors);
        List<Guid> ids;
        if (request.CreatorIds is { Count: > 0 } given)
            ids = given.Distinct().ToList();
        else
        {
            var name = request.Group!.Trim();
            var groups = await _db.Groups.AsNoTracking().Where(g => g.WorkspaceId == actor.WorkspaceId).ToListAsync(ct);
            var group = groups.FirstOrDefault(g => string.Equals(g.Name, name, StringComparison.OrdinalIgnoreCase) || g.Id.ToString() == name.ToLowerInvariant())
                ?? throw new ValidationException("group", $"No creator group '{name}'.");
            ids = await _db.GroupMembers.Where(m => m.GroupId == group.Id).Select(m => m.CreatorId).ToListAsync(ct);
        }
        var creators = await _db.Creators.AsNoTracking().Include(c => c.Handles).Where(c => c.WorkspaceId == actor.WorkspaceId && ids.Contains(c.Id)).ToListAsync(ct);
        var unknown = ids.Where(id => creators.All(c => c.Id != id)).ToList();
        if (unknown.Count > 0)
            throw new ValidationException("creatorIds", $"No creator {string.Join(", ", unknown.Take(5))} in this workspace.");
        var plan = creators.SelectMany(c => (platforms.Count > 0 ? platforms : c.Handles.OrderBy(h => h.Platform).Select(h => Handles.Name(h.Platform)).DefaultIfEmpty(null!).ToList())
            .Select(p => (Creator: c, Platform: (string?)p))).ToList();
        if (plan.Count > MaxBulk)
            throw new ValidationException("platforms", $"That makes {plan.Count:N0} links; at most {MaxBulk:N0} per request.");
        var source = await LinkSourceAsync(actor.WorkspaceId, ct);
        var now = _time.GetUtcNow();
        var rows = new List<(Link Row, Creator Creator)>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (creator, platform) in plan)
        {
            var row = new Link
            {
                Id = Guid.CreateVersion7(now), WorkspaceId = actor.WorkspaceId, Slug = "", Url = url!, Medium = "influencer", Utm = request.Utm ?? true,
                RedirectStatus = 302, Enabled = true, TrackParam = "ref", SourceId = source, CreatedAt = now, CreatedBy = actor.Name, UpdatedAt = now,
                CreatorId = creator.Id, Platform = platform, Campaign = request.Campaign?.Trim() is { Length: > 0 and <= 200 } c ? c : null,
            };
            if (request.Medium?.Trim().ToLowerInvariant() is "influencer" or "affiliate")
                row.Medium = request.Medium.Trim().ToLowerInvariant();
            Defaults(row, creator);
            if (platform is not null && creator.Handles.FirstOrDefault(h => Handles.Name(h.Platform) == platform) is { } handle)
                row.Content = handle.Handle;
            do
                row.Slug = LinkInput.NewSlug();
            while (!taken.Add(row.Slug) || await _db.Links.AnyAsync(l => l.Slug == row.Slug, ct));
            rows.Add((row, creator));
        }
        var result = await _audit.WriteAsync(_platform, _db, actor, c =>
        {
            _db.Links.AddRange(rows.Select(r => r.Row));
            var dtos = rows.Select(r => ToDto(r.Row, r.Creator.Name, null)).ToList();
            return Task.FromResult((new BulkLinkResult(dtos.Count, dtos),
                (IReadOnlyList<AuditRecord>)rows.Select(r => new AuditRecord("link.created", "link", r.Row.Id.ToString(), null, Summary(r.Row))).ToList()));
        }, ct);
        _signals.Announce(CacheTopic);
        return result;
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
            variants?.Select(v => (With(v.Url!), v.Weight ?? 1)).ToList(), row.TrackParam, row.CreatorId, row.Campaign, source.WriteKey);
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

    private static UpdateLinkRequest ToUpdate(CreateLinkRequest r) => new(r.Url, r.Slug, r.CreatorId, r.Campaign, r.Title, r.Platform, r.Medium, r.Content, r.Utm,
        r.Redirect, r.Enabled, r.ExpiresAt, r.ExpiredUrl, r.Password, r.Ios, r.Android, r.Geo, r.Variants, r.TrackParam);

    private void Apply(Link row, UpdateLinkRequest r, Dictionary<string, string[]> errors, bool creating)
    {
        if (r.Url is not null || creating)
        {
            var (url, e) = LinkInput.CheckUrl(r.Url);
            if (e is not null)
                errors["url"] = [e];
            else
                row.Url = url!;
        }
        if (r.Slug is not null)
        {
            var (slug, e) = LinkInput.CheckSlug(r.Slug);
            if (e is not null)
                errors["slug"] = [e];
            else
                row.Slug = slug!;
        }
        if (r.CreatorId is { } creator)
            row.CreatorId = creator == Guid.Empty ? null : creator;
        row.Campaign = Text(r.Campaign, row.Campaign, "campaign", 200, errors);
        row.Title = Text(r.Title, row.Title, "title", 200, errors);
        row.Content = Text(r.Content, row.Content, "content", 200, errors);
        if (r.Platform is not null)
        {
            var p = r.Platform.Trim().ToLowerInvariant();
            if (p.Length == 0)
                row.Platform = null;
            else if (Handles.ParsePlatform(p) is { } sp)
                row.Platform = Handles.Name(sp);
            else if (LinkInput.IsPlainName(p))
                row.Platform = p;
            else
                errors["platform"] = [$"'{r.Platform}' is not a platform name (instagram, tiktok, youtube, newsletter …: letters, digits, '-' and '_')."];
        }
        if (r.Medium is not null)
        {
            var m = r.Medium.Trim().ToLowerInvariant();
            if (m is "influencer" or "affiliate")
                row.Medium = m;
            else
                errors["medium"] = ["utm_medium is influencer or affiliate."];
        }
        if (r.Utm is { } utm)
            row.Utm = utm;
        if (r.Redirect is { } status)
        {
            if (status is 301 or 302)
                row.RedirectStatus = status;
            else
                errors["redirect"] = ["A link redirects with 302 (default) or 301."];
        }
        if (r.Enabled is { } enabled)
            row.Enabled = enabled;
        if (r.ExpiresAt is { } expires)
        {
            if (creating && expires <= _time.GetUtcNow())
                errors["expiresAt"] = ["The expiry is in the past."];
            row.ExpiresAt = expires;
        }
        row.ExpiredUrl = OptionalUrl(r.ExpiredUrl, row.ExpiredUrl, "expiredUrl", errors, appSchemes: false);
        row.IosUrl = OptionalUrl(r.Ios, row.IosUrl, "ios", errors, appSchemes: true);
        row.AndroidUrl = OptionalUrl(r.Android, row.AndroidUrl, "android", errors, appSchemes: true);
        if (r.Password is not null)
        {
            if (r.Password.Length == 0)
                row.PasswordHash = null;
            else if (r.Password.Length is < 4 or > 200)
                errors["password"] = ["A link's password is 4 to 200 characters."];
            else
                row.PasswordHash = Hasher.HashPassword(row, r.Password);
        }
        if (r.Geo is not null)
        {
            if (r.Geo.Count > LinkInput.MaxGeo)
                errors["geo"] = [$"At most {LinkInput.MaxGeo} countries."];
            var geo = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (code, url) in r.Geo)
            {
                if (LinkInput.CheckCountry(code) is not { } cc)
                {
                    errors[$"geo.{code}"] = [$"'{code}' is not an ISO 3166-1 alpha-2 country code."];
                    continue;
                }
                var (u, e) = LinkInput.CheckUrl(url);
                if (e is not null)
                    errors[$"geo.{cc}"] = [e];
                else
                    geo[cc] = u!;
            }
            row.GeoTargets = geo.Count == 0 ? null : JsonSerializer.Serialize(geo, LinksStoreJson.Default.DictionaryStringString);
        }
        if (r.Variants is not null)
        {
            if (r.Variants.Count > LinkInput.MaxVariants)
                errors["variants"] = [$"At most {LinkInput.MaxVariants} variants."];
            var list = new List<VariantDto>();
            for (var i = 0; i < r.Variants.Count; i++)
            {
                var (u, e) = LinkInput.CheckUrl(r.Variants[i]?.Url);
                if (e is not null)
                    errors[$"variants[{i}].url"] = [e];
                var w = r.Variants[i]?.Weight ?? 1;
                if (w is < 1 or > 1000)
                    errors[$"variants[{i}].weight"] = ["A weight is 1 to 1000."];
                if (e is null)
                    list.Add(new VariantDto(u, w));
            }
            if (list.Count == 1)
                errors["variants"] = ["An A/B split needs two destinations or more."];
            row.Variants = list.Count == 0 ? null : JsonSerializer.Serialize(list, LinksStoreJson.Default.ListVariantDto);
        }
        if (r.TrackParam is not null)
        {
            var t = r.TrackParam.Trim();
            if (!LinkInput.IsPlainName(t) || t.StartsWith("utm_", StringComparison.Ordinal) || t == "pclid")
                errors["trackParam"] = ["The tracking parameter is a plain name (letters, digits, '-', '_'), not utm_… or pclid."];
            else
                row.TrackParam = t;
        }
    }

    private static string? Text(string? given, string? current, string field, int max, Dictionary<string, string[]> errors)
    {
        if (given is null)
            return current;
        var v = given.Trim();
        if (v.Length > max || v.Any(char.IsControl))
        {
            errors[field] = [$"{field} is at most {max} characters without control characters."];
            return current;
        }
        return v.Length == 0 ? null : v;
    }

    private static readonly string[] RefusedSchemes = ["javascript", "data", "vbscript", "file", "about", "blob"];

    private static string? OptionalUrl(string? given, string? current, string field, Dictionary<string, string[]> errors, bool appSchemes)
    {
        if (given is null)
            return current;
        if (given.Trim().Length == 0)
            return null;
        var (url, e) = LinkInput.CheckUrl(given);
        if (e is null)
            return url;
        // Deep links may use the app's own scheme (myshop://product/42); never script or data schemes.
        if (appSchemes && Uri.TryCreate(given.Trim(), UriKind.Absolute, out var uri) && !RefusedSchemes.Contains(uri.Scheme)
            && uri.Scheme.Length >= 2 && given.Length <= LinkInput.MaxUrl && !given.Any(char.IsControl))
            return uri.OriginalString;
        errors[field] = [appSchemes ? e.Replace("Only http and https addresses are allowed", "Only http, https or an app's own scheme are allowed", StringComparison.Ordinal) : e];
        return current;
    }

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
