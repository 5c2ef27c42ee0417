using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Events;
using Pulse.Collect.Ingest;
using Pulse.Collect.Sources;
using Pulse.Collect.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Privacy;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Profiles;

/// <summary>
/// Profiles for people and for later modules: look-up by any id, consent, admins' merges and
/// unmerges, and the data-subject requests (export, erase) that run every module's registered step.
/// </summary>
public sealed partial class ProfileService
{
    private const string CursorKind = "profiles";
    private const int TimelineLength = 50;
    private readonly ProfilesDbContext _db;
    private readonly CollectDbContext _collect;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly ProfileGate _gate;
    private readonly EventQueries _events;
    private readonly IEnumerable<IDataSubjectStep> _steps;

    internal ProfileService(ProfilesDbContext db, CollectDbContext collect, PulseDbContext platform, AuditTrail audit, TimeProvider time,
        ProfileGate gate, EventQueries events, IEnumerable<IDataSubjectStep> steps)
    {
        _db = db;
        _collect = collect;
        _platform = platform;
        _audit = audit;
        _time = time;
        _gate = gate;
        _events = events;
        _steps = steps;
    }

    public async Task<ProfileDto> GetAsync(Actor actor, string anyId, string? timelineCursor, CancellationToken ct)
    {
        actor.Demand(Permission.ProfilesRead);
        var profile = await FindAsync(actor.WorkspaceId, anyId, ct) ?? throw new NotFoundException($"A profile with the id '{anyId}'");
        var identities = await IdentitiesAsync(profile.Id, ct);
        var timeline = await _events.ListAsync(actor, new EventFilter(actor.WorkspaceId, Ids: [.. identities.Select(i => i.Value)]),
            PageRequest.Create(timelineCursor, TimelineLength), ct);
        return new ProfileDto(profile.Id, profile.UserId, profile.FirstSeen, profile.LastSeen, profile.EventCount,
            ProfileTraits.Values(profile.Traits), identities, await ConsentDtoAsync(profile, ct), await MergesAsync(profile.Id, ct),
            timeline.Items, timeline.NextCursor);
    }

    /// <summary>Profiles of the workspace, newest first; <paramref name="search"/> matches the start of any id.</summary>
    public async Task<Page<ProfileSummaryDto>> ListAsync(Actor actor, string? search, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.ProfilesRead);
        var query = _db.Profiles.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId && p.MergedInto == null);
        if (!string.IsNullOrWhiteSpace(search))
        {
            if (search.Length > Ids.MaxLength)
                throw new ValidationException("search", $"search must be at most {Ids.MaxLength} characters.");
            var s = search.Trim();
            var ids = _db.Identities.Where(i => i.WorkspaceId == actor.WorkspaceId && i.Value.StartsWith(s)).Select(i => i.ProfileId);
            query = query.Where(p => ids.Contains(p.Id));
        }
        return await query.PageAsync(p => p.Id, CursorKind, page,
            p => new ProfileSummaryDto(p.Id, p.UserId, Email(p), p.FirstSeen, p.LastSeen, p.EventCount, p.OptedOut), ct);
    }

    /// <summary>Every id of the person who has <paramref name="anyId"/>, or just that id when no profile has it (yet).</summary>
    public async Task<IReadOnlyList<string>> IdsOfAsync(Guid workspaceId, string anyId, CancellationToken ct)
    {
        var profile = await FindAsync(workspaceId, anyId, ct);
        return profile is null ? [anyId] : [.. (await IdentitiesAsync(profile.Id, ct)).Select(i => i.Value)];
    }

    /// <summary>
    /// The person's consent as destinations check it at send time (no actor: a module's own
    /// question). Someone Pulse has no profile for yet gets the workspace's default.
    /// </summary>
    public async Task<ConsentState> ConsentAsync(Guid workspaceId, string? userId, string? anonymousId, CancellationToken ct)
    {
        var profile = userId is not null ? await ByIdentityAsync(workspaceId, IdentityKinds.UserId, userId, ct) : null;
        if (profile is null && anonymousId is not null)
            profile = await ByIdentityAsync(workspaceId, IdentityKinds.AnonymousId, anonymousId, ct);
        var fallback = await ConsentDefaultAsync(workspaceId, ct);
        return new ConsentState(profile?.OptedOut ?? false, Preferences(profile?.Consent), fallback);
    }

    public async Task<ProfileDto> SetConsentAsync(Actor actor, string anyId, ConsentRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.ProfilesManage);
        if (request.OptOut is null && request.CategoryPreferences is null)
            throw new ValidationException("optOut", "Send optOut (true or false), categoryPreferences, or both.");
        if (request.CategoryPreferences is { } prefs)
        {
            if (prefs.Count > 100)
                throw new ValidationException("categoryPreferences", "At most 100 categories.");
            foreach (var k in prefs.Keys)
            {
                if (string.IsNullOrWhiteSpace(k) || k.Length > 100 || k.Any(char.IsControl))
                    throw new ValidationException("categoryPreferences", $"Category names must be 1 to 100 printable characters; '{Clip(k)}' is not.");
            }
        }
        await _gate.RunAsync(actor.WorkspaceId, async () =>
        {
            var profile = await FindAsync(actor.WorkspaceId, anyId, ct, tracking: true) ?? throw new NotFoundException($"A profile with the id '{anyId}'");
            var before = AuditSummary.Of(new { profile.OptedOut, categoryPreferences = profile.Consent });
            var now = _time.GetUtcNow();
            if (request.OptOut is { } optOut && optOut != profile.OptedOut)
            {
                profile.OptedOut = optOut;
                profile.OptedOutAt = optOut ? now : null;
            }
            if (request.CategoryPreferences is { } p)
            {
                profile.Consent = JsonSerializer.Serialize(p, CollectJsonContext.Default.DictionaryStringBoolean);
                profile.ConsentAt = now;
            }
            profile.UpdatedAt = now;
            var action = request.OptOut switch { true => "profile.opted_out", false => "profile.opted_in", _ => "profile.consent_changed" };
            return await _audit.WriteAsync(_platform, _db, actor, _ => Task.FromResult<(bool, IReadOnlyList<AuditRecord>)>((true,
                [new AuditRecord(action, "profile", profile.Id.ToString(), before, AuditSummary.Of(new { profile.OptedOut, categoryPreferences = profile.Consent }))])), ct);
        }, ct);
        return await GetAsync(actor, anyId, null, ct);
    }

    /// <summary>Merges the profile holding <c>From</c> into the one holding <c>Into</c>.</summary>
    public async Task<MergeDto> MergeAsync(Actor actor, MergeProfilesRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.ProfilesManage);
        var fromId = CheckId("from", request.From);
        var intoId = CheckId("into", request.Into);
        return await _gate.RunAsync(actor.WorkspaceId, async () =>
        {
            var graph = new IdentityGraph(_db, _time);
            var from = await ResolveWithAsync(graph, actor.WorkspaceId, fromId, ct) ?? throw new NotFoundException($"A profile with the id '{fromId}'");
            var into = await ResolveWithAsync(graph, actor.WorkspaceId, intoId, ct) ?? throw new NotFoundException($"A profile with the id '{intoId}'");
            if (from.Id == into.Id)
                throw new ConflictException("Both ids already belong to the same profile.");
            return await _audit.WriteAsync(_platform, _db, actor, async c =>
            {
                var merge = await graph.MergeAsync(from, into, "manual", null, actor.Name, c);
                return (ToDto(merge), (IReadOnlyList<AuditRecord>)[new AuditRecord("profile.merged", "profile", into.Id.ToString(), null,
                    AuditSummary.Of(new { merge = merge.Id, from = from.Id, into = into.Id }))]);
            }, ct);
        }, ct);
    }

    /// <summary>Undoes a merge: the merged profile gets its identities back and is not merged again automatically.</summary>
    public async Task<MergeDto> UnmergeAsync(Actor actor, Guid mergeId, CancellationToken ct)
    {
        actor.Demand(Permission.ProfilesManage);
        return await _gate.RunAsync(actor.WorkspaceId, async () =>
        {
            var merge = await _db.Merges.FirstOrDefaultAsync(m => m.Id == mergeId && m.WorkspaceId == actor.WorkspaceId, ct)
                ?? throw new NotFoundException($"The merge {mergeId}");
            if (merge.UndoneAt is not null)
                throw new ConflictException("That merge was already undone.");
            var from = await _db.Profiles.AsNoTracking().FirstOrDefaultAsync(p => p.Id == merge.FromProfileId, ct);
            if (from?.MergedInto != merge.IntoProfileId)
                throw new ConflictException("The merged profile has changed since (merged elsewhere or erased); it cannot be split this way.");
            return await _audit.WriteAsync(_platform, _db, actor, async c =>
            {
                await new IdentityGraph(_db, _time).UnmergeAsync(merge, actor.Name, c);
                return (ToDto(merge), (IReadOnlyList<AuditRecord>)[new AuditRecord("profile.unmerged", "profile", merge.FromProfileId.ToString(), null,
                    AuditSummary.Of(new { merge = merge.Id, from = merge.FromProfileId, into = merge.IntoProfileId }))]);
            }, ct);
        }, ct);
    }

    /// <summary>Writes everything held about the person as one JSON document: the profile and each module's part.</summary>
    public async Task ExportAsync(Actor actor, string anyId, Stream output, CancellationToken ct)
    {
        actor.Demand(Permission.ProfilesManage);
        var profile = await GetAsync(actor, anyId, null, ct);
        var subject = Subject(actor.WorkspaceId, profile.Identities);
        await _audit.RecordAsync(_platform, actor, new AuditRecord("profile.exported", "profile", profile.Id.ToString()), ct);
        // Through a pipe: the JSON writer only fills buffers, and each part is flushed to the client
        // asynchronously (Kestrel refuses synchronous writes).
        var pipe = PipeWriter.Create(output, new StreamPipeWriterOptions(leaveOpen: true));
        await using var writer = new Utf8JsonWriter(pipe, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("exportedAt", _time.GetUtcNow());
        writer.WritePropertyName("profile");
        JsonSerializer.Serialize(writer, profile with { Timeline = [], TimelineNext = null }, CollectJsonContext.Default.ProfileDto);
        foreach (var step in _steps)
        {
            writer.WritePropertyName(step.Name);
            await step.ExportAsync(subject, writer, ct);
            writer.Flush();
            await pipe.FlushAsync(ct);
        }
        writer.WriteEndObject();
        writer.Flush();
        await pipe.CompleteAsync();
    }

    /// <summary>
    /// Erases the person: every module's step first (events, quarantine …), then the profile, the
    /// profiles merged into it, their identities and merges. The erasure record keeps only counts.
    /// </summary>
    public async Task<ErasureDto> EraseAsync(Actor actor, string anyId, CancellationToken ct)
    {
        actor.Demand(Permission.ProfilesManage);
        return await _gate.RunAsync(actor.WorkspaceId, async () =>
        {
            var profile = await FindAsync(actor.WorkspaceId, anyId, ct) ?? throw new NotFoundException($"A profile with the id '{anyId}'");
            var family = new List<Guid> { profile.Id };
            for (var i = 0; i < family.Count; i++)
            {
                var id = family[i];
                family.AddRange(await _db.Profiles.Where(p => p.MergedInto == id).Select(p => p.Id).ToListAsync(ct));
            }
            var identities = await _db.Identities.Where(i => family.Contains(i.ProfileId)).ToListAsync(ct);
            var subject = Subject(actor.WorkspaceId, identities.Select(i => new IdentityDto(i.Kind, i.Value, i.FirstSeen)).ToList());
            var counts = new Dictionary<string, long>(StringComparer.Ordinal);
            foreach (var step in _steps)
                counts[step.Name] = await step.EraseAsync(subject, ct);
            var record = new ErasureRecord
            {
                Id = Guid.CreateVersion7(_time.GetUtcNow()),
                WorkspaceId = actor.WorkspaceId,
                At = _time.GetUtcNow(),
                ActorKind = actor.Kind,
                ActorName = actor.Name,
                IdentityCount = identities.Count,
            };
            return await _audit.WriteAsync(_platform, _db, actor, async c =>
            {
                counts["identities"] = await _db.Identities.Where(i => family.Contains(i.ProfileId)).ExecuteDeleteAsync(c);
                counts["merges"] = await _db.Merges.Where(m => family.Contains(m.FromProfileId) || family.Contains(m.IntoProfileId)).ExecuteDeleteAsync(c);
                counts["profiles"] = await _db.Profiles.Where(p => family.Contains(p.Id)).ExecuteDeleteAsync(c);
                record.Steps = JsonSerializer.Serialize(counts, CollectJsonContext.Default.DictionaryStringInt64);
                _db.Erasures.Add(record);
                return (ToDto(record), (IReadOnlyList<AuditRecord>)[new AuditRecord("profile.erased", "erasure", record.Id.ToString(), null, record.Steps)]);
            }, ct);
        }, ct);
    }

    public async Task<Page<ErasureDto>> ErasuresAsync(Actor actor, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.ProfilesManage);
        return await _db.Erasures.AsNoTracking().Where(r => r.WorkspaceId == actor.WorkspaceId)
            .PageAsync(r => r.Id, "erasures", page, ToDto, ct);
    }

    private static DataSubject Subject(Guid workspaceId, IReadOnlyList<IdentityDto> identities) => new(workspaceId,
        [.. identities.Where(i => i.Kind == IdentityKinds.UserId).Select(i => i.Value)],
        [.. identities.Where(i => i.Kind == IdentityKinds.AnonymousId).Select(i => i.Value)]);

    private static string CheckId(string field, string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            throw new ValidationException(field, $"{field} is required: a user id, anonymous id or profile id.");
        if (value.Length > Ids.MaxLength)
            throw new ValidationException(field, $"{field} must be at most {Ids.MaxLength} characters.");
        if (Ids.IsJunk(value))
            throw new ValidationException(field, $"'{value}' is a placeholder, not an id of a person.");
        return value;
    }

    private static async Task<Profile?> ResolveWithAsync(IdentityGraph graph, Guid ws, string anyId, CancellationToken ct)
    {
        var p = await graph.ResolveAsync(ws, IdentityKinds.UserId, anyId, ct) ?? await graph.ResolveAsync(ws, IdentityKinds.AnonymousId, anyId, ct);
        if (p is null && Guid.TryParse(anyId, out var id) && await graph.ProfileAsync(id, ct) is { } byId && byId.WorkspaceId == ws)
            p = byId;
        return p;
    }

    private Task<Profile?> FindAsync(Guid ws, string anyId, CancellationToken ct, bool tracking = false)
    {
        if (string.IsNullOrWhiteSpace(anyId) || anyId.Length > Ids.MaxLength)
            throw new ValidationException("id", $"The id must be 1 to {Ids.MaxLength} characters.");
        return ResolveAsync(g => ResolveWithAsync(g, ws, anyId, ct), tracking);
    }

    private Task<Profile?> ByIdentityAsync(Guid ws, string kind, string value, CancellationToken ct) =>
        ResolveAsync(g => g.ResolveAsync(ws, kind, value, ct), tracking: false);

    /// <summary>Resolves through the identity graph's own rules (merges followed), reading without tracking unless asked.</summary>
    private async Task<Profile?> ResolveAsync(Func<IdentityGraph, Task<Profile?>> resolve, bool tracking)
    {
        if (!tracking)
            _db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.NoTracking;
        try
        {
            return await resolve(new IdentityGraph(_db, _time));
        }
        finally
        {
            _db.ChangeTracker.QueryTrackingBehavior = QueryTrackingBehavior.TrackAll;
        }
    }

    private async Task<List<IdentityDto>> IdentitiesAsync(Guid profileId, CancellationToken ct) =>
        (await _db.Identities.AsNoTracking().Where(i => i.ProfileId == profileId).ToListAsync(ct))
            .OrderBy(i => i.Kind).ThenBy(i => i.FirstSeen).Select(i => new IdentityDto(i.Kind, i.Value, i.FirstSeen)).ToList();

    private async Task<List<MergeDto>> MergesAsync(Guid profileId, CancellationToken ct) =>
        (await _db.Merges.AsNoTracking().Where(m => m.IntoProfileId == profileId || m.FromProfileId == profileId).ToListAsync(ct))
            .OrderByDescending(m => m.At).Select(ToDto).ToList();

    /// <summary>
    /// A number that moves after every write that may change whose consent is what in the workspace,
    /// so a reader may keep consent it looked up until it moves; null in cluster mode, where other
    /// nodes write too and consent must be looked up every time.
    /// </summary>
    public long? ConsentVersion(Guid workspaceId) => _gate.Exact ? _gate.Version(workspaceId) : null;

    /// <summary>The workspace's answer for categories a person never answered.</summary>
    public async Task<ConsentDefault> ConsentDefaultAsync(Guid ws, CancellationToken ct) =>
        await _collect.Settings.AsNoTracking().Where(s => s.WorkspaceId == ws).Select(s => (ConsentDefault?)s.ConsentDefault).FirstOrDefaultAsync(ct) ?? ConsentDefault.Allow;

    private async Task<ConsentDto> ConsentDtoAsync(Profile p, CancellationToken ct) => new(
        p.Consent is null ? null : JsonDocument.Parse(p.Consent).RootElement.Clone(), p.ConsentAt, p.OptedOut, p.OptedOutAt,
        (await ConsentDefaultAsync(p.WorkspaceId, ct)).ToString());

    private static Dictionary<string, bool> Preferences(string? consent)
    {
        var result = new Dictionary<string, bool>(StringComparer.Ordinal);
        if (consent is null)
            return result;
        using var doc = JsonDocument.Parse(consent);
        if (doc.RootElement.ValueKind == JsonValueKind.Object)
        {
            foreach (var p in doc.RootElement.EnumerateObject())
            {
                if (p.Value.ValueKind is JsonValueKind.True or JsonValueKind.False)
                    result[p.Name] = p.Value.GetBoolean();
            }
        }
        return result;
    }

    private static string? Email(Profile p) =>
        ProfileTraits.Values(p.Traits).TryGetValue("email", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString() : null;

    private static MergeDto ToDto(ProfileMerge m) => new(m.Id, m.FromProfileId, m.IntoProfileId, m.Reason, m.At, m.MessageId, m.Actor,
        JsonSerializer.Deserialize(m.MovedIdentities, CollectJsonContext.Default.ListStringArray) ?? [], m.UndoneAt, m.UndoneBy);

    private static ErasureDto ToDto(ErasureRecord r) => new(r.Id, r.At, r.ActorKind, r.ActorName, r.IdentityCount,
        JsonSerializer.Deserialize(r.Steps, CollectJsonContext.Default.DictionaryStringInt64) ?? []);

    private static string Clip(string s) => s.Length > 40 ? s[..40] + "…" : s;
}
