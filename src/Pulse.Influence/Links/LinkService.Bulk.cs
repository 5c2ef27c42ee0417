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

/// <summary>One URL, a link per creator and platform.</summary>
public sealed partial class LinkService
{
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
        var rows = new List<(Link Row, Creator Creator)>();
        var taken = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (creator, platform) in plan)
        {
            var row = NewLink(actor, url!);
            (row.Utm, row.SourceId, row.CreatorId, row.Platform) = (request.Utm ?? true, source, creator.Id, platform);
            row.Campaign = request.Campaign?.Trim() is { Length: > 0 and <= 200 } c ? c : null;
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
}
