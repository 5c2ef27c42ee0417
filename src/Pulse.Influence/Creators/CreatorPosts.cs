using RangeAttribute = System.ComponentModel.DataAnnotations.RangeAttribute;
using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Creators;

/// <summary>A creator's post for the brand with its reach as the creator reports it (their insights screen) or a listening tool found.</summary>
internal sealed class CreatorPost
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid CreatorId { get; set; }
    public required string Platform { get; set; }
    public required string Url { get; set; }
    public DateTimeOffset PostedAt { get; set; }
    public string? Campaign { get; set; }
    public long? Impressions { get; set; }
    public long? Engagements { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

/// <param name="Engagements">Likes + comments + shares + saves (GLOSSARY).</param>
public sealed record CreatorPostRequest(string? Url, DateTimeOffset? PostedAt, string? Platform = null, string? Campaign = null, long? Impressions = null, long? Engagements = null);

public sealed record CreatorPostDto(Guid Id, Guid CreatorId, string Platform, string Url, DateTimeOffset PostedAt, string? Campaign, long? Impressions, long? Engagements, decimal? Emv);

/// <summary><c>Emv</c> settings: what an impression and an engagement of a creator's post are worth (GLOSSARY: EMV), in <see cref="Currency"/>.</summary>
public sealed class EmvOptions
{
    public const string Section = "Emv";

    /// <summary>The value of 1,000 impressions (CPM); none: impressions are not valued.</summary>
    [Range(0, 100_000)] public decimal? Cpm { get; set; }

    /// <summary>The value of one engagement (CPE); none: engagements are not valued.</summary>
    [Range(0, 10_000)] public decimal? Cpe { get; set; }

    public string Currency { get; set; } = "PLN";

    public bool Configured => Cpm is not null || Cpe is not null;

    /// <summary>A post's earned media value: impressions at the CPM plus engagements at the CPE (null when neither can be valued).</summary>
    public decimal? Of(long? impressions, long? engagements)
    {
        decimal? v = null;
        if (Cpm is { } cpm && impressions is { } i)
            v = i / 1000m * cpm;
        if (Cpe is { } cpe && engagements is { } e)
            v = (v ?? 0) + e * cpe;
        return v is { } x ? decimal.Round(x, 2) : null;
    }
}

public sealed partial class CreatorService
{
    public const int MaxPostsPerCreator = 10_000;

    /// <summary>Records a post of the creator (InfluenceManage), audited.</summary>
    public async Task<CreatorPostDto> AddPostAsync(Actor actor, Guid creatorId, CreatorPostRequest r, EmvOptions emv, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var creator = await _db.Creators.AsNoTracking().Include(c => c.Handles).FirstOrDefaultAsync(c => c.Id == creatorId && c.WorkspaceId == actor.WorkspaceId, ct)
            ?? throw new NotFoundException("The creator");
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var (url, urlError) = Links.LinkInput.CheckUrl(r.Url);
        if (urlError is not null)
            errors["url"] = [urlError];
        var now = _time.GetUtcNow();
        if (r.PostedAt is not { } posted || posted > now.AddDays(1) || posted.Year < 2000)
            errors["postedAt"] = ["postedAt is when the post went up (ISO 8601, not in the future)."];
        string? platform = null;
        if (r.Platform is { } p)
        {
            if (Handles.ParsePlatform(p.Trim().ToLowerInvariant()) is { } sp)
                platform = Handles.Name(sp);
            else
                errors["platform"] = [$"'{p}' is not a platform ({string.Join(", ", Handles.PlatformNames)})."];
        }
        else
            platform = creator.Handles.OrderByDescending(h => h.Followers ?? -1).Select(h => Handles.Name(h.Platform)).FirstOrDefault();
        if (platform is null && !errors.ContainsKey("platform"))
            errors["platform"] = ["platform is required for a creator without handles."];
        if (r.Impressions is < 0 or > 100_000_000_000)
            errors["impressions"] = ["impressions is 0 or more."];
        if (r.Engagements is < 0 or > 100_000_000_000)
            errors["engagements"] = ["engagements is 0 or more."];
        if (r.Campaign is { Length: > 200 })
            errors["campaign"] = ["campaign is at most 200 characters."];
        if (errors.Count > 0)
            throw new ValidationException(errors);
        if (await _db.Posts.CountAsync(x => x.CreatorId == creatorId, ct) >= MaxPostsPerCreator)
            throw new ConflictException($"A creator has at most {MaxPostsPerCreator:N0} posts here.");
        var row = new CreatorPost
        {
            Id = Guid.CreateVersion7(now), WorkspaceId = actor.WorkspaceId, CreatorId = creatorId, Platform = platform!, Url = url!, PostedAt = r.PostedAt!.Value,
            Campaign = string.IsNullOrWhiteSpace(r.Campaign) ? null : r.Campaign.Trim(), Impressions = r.Impressions, Engagements = r.Engagements, CreatedAt = now, CreatedBy = actor.Name,
        };
        return await _audit.WriteAsync(_platform, _db, actor, c =>
        {
            _db.Posts.Add(row);
            return Task.FromResult((ToDto(row, emv), (IReadOnlyList<AuditRecord>)[new AuditRecord("creator.post_added", "creator", creatorId.ToString(), null,
                AuditSummary.Of(new { row.Url, row.Platform, row.Impressions, row.Engagements }))]));
        }, ct);
    }

    public async Task<IReadOnlyList<CreatorPostDto>> PostsAsync(Actor actor, Guid creatorId, EmvOptions emv, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var rows = await _db.Posts.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId && p.CreatorId == creatorId).OrderByDescending(p => p.PostedAt).Take(1000).ToListAsync(ct);
        return rows.Select(p => ToDto(p, emv)).ToList();
    }

    private static CreatorPostDto ToDto(CreatorPost p, EmvOptions emv) =>
        new(p.Id, p.CreatorId, p.Platform, p.Url, p.PostedAt, p.Campaign, p.Impressions, p.Engagements, emv.Of(p.Impressions, p.Engagements));
}
