using System.Text.Json;
using Pulse.Collect.Log;
using Pulse.Platform.Privacy;

namespace Pulse.Collect.Profiles.Live;

/// <summary>A visitor's current session: begun by their first event after 30 minutes of silence.</summary>
/// <param name="Source">Where the session came from: the utm_source of its first event, else the referrer's name or kind (direct, search …).</param>
/// <param name="LandingPage">The path of the first event's page.</param>
public sealed record LiveSession(
    DateTimeOffset StartedAt,
    long Events,
    long Pages,
    string? Source,
    string? Medium,
    string? Campaign,
    string? LandingPage,
    string? Device);

/// <summary>The real-time state of one id (anonymous id, else user id): when it was last seen and its current session.</summary>
public sealed record LiveVisitorDto(string Id, DateTimeOffset LastSeen, bool ActiveNow, LiveSession Session);

/// <summary>A person right now, over all their ids; nulls when none of them was seen in the last 24 hours.</summary>
public sealed record ProfileNowDto(DateTimeOffset? LastSeen, bool ActiveNow, string? Id, LiveSession? Session);

/// <summary>How many visitors (by anonymous id, else user id) were seen in the last 5 minutes, 30 minutes and 24 hours, and the latest of them.</summary>
public sealed record ActivityDto(long ActiveNow, long Last30Minutes, long Last24Hours, IReadOnlyList<LiveVisitorDto> Recent);

/// <summary>What one ingest request did to one visitor's state.</summary>
internal readonly record struct VisitorTouch(
    Guid WorkspaceId,
    string Key,
    long AtMs,
    int Events,
    int Pages,
    string? Source,
    string? Medium,
    string? Campaign,
    string? Landing,
    string? Device);

/// <summary>
/// Per-visitor state kept up to date as events arrive, on whichever node they arrive, before the
/// profile builder has read them: last seen, the current session, and the workspace's "active
/// now" index. A visitor is an anonymous id (a device), else a user id, because identities are
/// resolved later by the profile builder; a person's state is the latest over their ids. The state
/// covers the last 24 hours: older visitors leave it (their history is in the profile). It is kept
/// in Redis in cluster mode (every node sees the same sessions) and in memory in embedded mode (a
/// restart starts new sessions). Updates never wait on a request and never fail one: a state
/// that could not be written is only less current.
/// </summary>
public abstract class LiveProfiles
{
    public static readonly TimeSpan SessionTimeout = TimeSpan.FromMinutes(30);
    public static readonly TimeSpan Horizon = TimeSpan.FromHours(24);
    public static readonly TimeSpan ActiveWindow = TimeSpan.FromMinutes(5);
    public const int MaxRecent = 50;

    protected LiveProfiles(TimeProvider time) => Time = time;

    protected TimeProvider Time { get; }

    /// <summary>Records the stored events of one request (duplicates and bots left out).</summary>
    internal void Record(IReadOnlyList<LogRecord> records)
    {
        var touches = Touches(records);
        if (touches.Count > 0)
            Apply(touches);
    }

    public abstract Task<IReadOnlyList<LiveVisitorDto>> GetAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct);

    public abstract Task<ActivityDto> ActivityAsync(Guid workspaceId, int recent, CancellationToken ct);

    /// <summary>Forgets the ids (data-subject erasure); returns how many states were removed.</summary>
    public abstract Task<long> ForgetAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct);

    private protected abstract void Apply(List<VisitorTouch> touches);

    /// <summary>The person now: the latest of their ids' states.</summary>
    public async Task<ProfileNowDto> NowAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var states = await GetAsync(workspaceId, ids, ct);
        var latest = states.MaxBy(s => s.LastSeen);
        return latest is null ? new ProfileNowDto(null, false, null, null) : new ProfileNowDto(latest.LastSeen, latest.ActiveNow, latest.Id, latest.Session);
    }

    protected bool IsActive(long lastSeenMs) => Time.GetUtcNow().ToUnixTimeMilliseconds() - lastSeenMs <= (long)ActiveWindow.TotalMilliseconds;

    /// <summary>One touch per visitor of the request, in the order they first appear; the session's entry is the visitor's first event here.</summary>
    internal static List<VisitorTouch> Touches(IReadOnlyList<LogRecord> records)
    {
        var touches = new List<VisitorTouch>();
        Dictionary<(Guid, string), int>? index = null;
        foreach (var r in records)
        {
            if (r.Duplicate || r.Enrichment.IsBot || (r.AnonymousId ?? r.UserId) is not { } key)
                continue;
            var at = new DateTimeOffset(r.ReceivedAt, TimeSpan.Zero).ToUnixTimeMilliseconds();
            var page = r.Type == "page" ? 1 : 0;
            index ??= [];
            if (index.TryGetValue((r.WorkspaceId, key), out var i))
            {
                var t = touches[i];
                touches[i] = t with { AtMs = Math.Max(t.AtMs, at), Events = t.Events + 1, Pages = t.Pages + page };
                continue;
            }
            var e = r.Enrichment;
            index[(r.WorkspaceId, key)] = touches.Count;
            touches.Add(new VisitorTouch(r.WorkspaceId, key, at, 1, page,
                e.UtmSource ?? e.ReferrerName ?? e.ReferrerType, e.UtmMedium ?? e.ReferrerType, e.UtmCampaign,
                e.PagePath, Device(e)));
        }
        return touches;
    }

    private static string? Device(EventEnrichment e)
    {
        var parts = new[] { e.DeviceType, e.Browser, e.Os }.Where(p => !string.IsNullOrEmpty(p)).ToArray();
        return parts.Length == 0 ? null : string.Join(" · ", parts);
    }
}

/// <summary>The real-time state's part of a data-subject request.</summary>
internal sealed class LiveProfilesSubjectStep(LiveProfiles live) : IDataSubjectStep
{
    public string Name => "realtime";

    public async Task ExportAsync(DataSubject subject, Utf8JsonWriter writer, CancellationToken ct)
    {
        var states = await live.GetAsync(subject.WorkspaceId, subject.AllIds, ct);
        JsonSerializer.Serialize(writer, states, CollectJsonContext.Default.IReadOnlyListLiveVisitorDto);
    }

    public Task<long> EraseAsync(DataSubject subject, CancellationToken ct) => live.ForgetAsync(subject.WorkspaceId, subject.AllIds, ct);
}
