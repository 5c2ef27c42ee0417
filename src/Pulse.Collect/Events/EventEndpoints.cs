using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Ingest;
using Pulse.Collect.Sources;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Events;

/// <summary><c>/api/v1/events</c>: list, export, the live debugger, set-aside events and pruning; with the query checks the CLI's export shares.</summary>
public static class EventEndpoints
{
    public const string ExportCountHeader = "Pulse-Export-Count";

    public static RouteGroupBuilder MapEvents(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/events").WithTags("Events");
        group.MapGet("/", List).RequirePermission(Permission.EventsRead)
            .WithSummary("Stored events, newest first. Filters: source (id or name), type, event, from/to (ISO-8601, on the event's timestamp), profile (any user or anonymous id; every id of that person).");
        group.MapGet("/export", Export).RequirePermission(Permission.EventsExport)
            .WithSummary("Every matching event in log order as jsonl, csv or parquet (format=…); the count is in the Pulse-Export-Count header.")
            .Produces(200, contentType: "application/x-ndjson");
        group.MapGet("/live", Live).RequirePermission(Permission.EventsRead)
            .WithSummary("The live debugger as server-sent events (event type 'batch'): what became of each message arriving on any node for the workspace (stored, duplicate, blocked, rejected, refused), sampled to at most 200 entries a second per node, the rest counted in 'skipped'. Optional filter: source (id or name). An empty batch comes first and after 15 s without traffic.");
        group.MapGet("/set-aside", SetAside).RequirePermission(Permission.EventsManage)
            .WithSummary("Acknowledged events the store refused again and again and set aside (so the events after them were stored), oldest first, with each one's error. Embedded mode; the list is empty in cluster mode.");
        group.MapPost("/set-aside/replay", ReplaySetAside).RequirePermission(Permission.EventsManage)
            .WithSummary("Tries the set-aside events again (all, or the one at seq=…): each the store now takes is appended to the log under a new sequence number and leaves the list; the others stay with the new error.");
        group.MapPost("/prune", Prune).RequirePermission(Permission.EventsManage)
            .WithSummary("Applies Collect:RetentionDays now (dryRun=true: only reports): events per source and day removed and the oldest kept; in cluster mode the day partitions dropped. Server-wide, so only for the machine's operator (pulse events prune).");
        return group;
    }

    private static Ok<IReadOnlyList<Log.SetAsideDto>> SetAside(int? limit, HttpContext http, Log.LogOperations log) =>
        TypedResults.Ok(log.SetAside(HttpActor.From(http), limit ?? 1000));

    private static async Task<Ok<Log.SetAsideReplayResult>> ReplaySetAside(long? seq, HttpContext http, Log.LogOperations log, CancellationToken ct) =>
        TypedResults.Ok(await log.ReplaySetAsideAsync(HttpActor.From(http), seq, ct));

    private static async Task<Ok<Log.PruneReport>> Prune(bool? dryRun, HttpContext http, Log.LogOperations log, CancellationToken ct) =>
        TypedResults.Ok(await log.PruneAsync(HttpActor.From(http), dryRun ?? false, null, ct));

    private static async Task<ServerSentEventsResult<LiveBatch>> Live(string? source, HttpContext http, LiveTail live, SourceService sources, CancellationToken ct)
    {
        var actor = HttpActor.From(http);
        actor.Demand(Permission.EventsRead);
        Guid? sourceId = string.IsNullOrEmpty(source) ? null : (await sources.GetAsync(actor, source, ct)).Id;
        // Proxies (nginx) must pass each batch on at once rather than buffer the stream.
        http.Response.Headers["X-Accel-Buffering"] = "no";
        http.Response.Headers.CacheControl = "no-cache";
        return TypedResults.ServerSentEvents(live.StreamAsync(actor.WorkspaceId, sourceId, ct), eventType: "batch");
    }

    private static async Task<Ok<Page<EventDto>>> List(
        string? source, string? type, string? @event, string? from, string? to, string? profile, string? cursor, int? limit,
        HttpContext http, EventQueries events, SourceService sources, Profiles.ProfileService profiles, CancellationToken ct)
    {
        var actor = HttpActor.From(http);
        var filter = await FilterAsync(actor, source, type, @event, from, to, profile, sources, ct, profiles);
        return TypedResults.Ok(await events.ListAsync(actor, filter, PageRequest.Create(cursor, limit), ct));
    }

    private static async Task Export(
        string? source, string? type, string? @event, string? from, string? to, string? profile, string? format,
        HttpContext http, EventExporter exporter, SourceService sources, Profiles.ProfileService profiles, AuditTrail audit, PulseDbContext db, CancellationToken ct)
    {
        var actor = HttpActor.From(http);
        actor.Demand(Permission.EventsExport);
        var fmt = ParseFormat(format);
        var filter = await FilterAsync(actor, source, type, @event, from, to, profile, sources, ct, profiles);
        var count = exporter.Count(filter);
        await audit.RecordAsync(db, actor, new AuditRecord("events.exported", "events", null, null,
            AuditSummary.Of(new { format = fmt.ToString().ToLowerInvariant(), source, type, @event, from, to, profile, count })), ct);
        http.Response.Headers[ExportCountHeader] = count.ToString(CultureInfo.InvariantCulture);
        http.Response.ContentType = fmt switch
        {
            ExportFormat.Jsonl => "application/x-ndjson; charset=utf-8",
            ExportFormat.Csv => "text/csv; charset=utf-8",
            _ => "application/vnd.apache.parquet",
        };
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"events.{fmt.ToString().ToLowerInvariant()}\"";
        await exporter.ExportAsync(filter, fmt, http.Response.Body, null, ct);
    }

    public static ExportFormat ParseFormat(string? format) => format?.ToLowerInvariant() switch
    {
        null or "" or "jsonl" or "ndjson" => ExportFormat.Jsonl,
        "csv" => ExportFormat.Csv,
        "parquet" => ExportFormat.Parquet,
        _ => throw new ValidationException("format", "format must be jsonl, csv or parquet."),
    };

    /// <summary>
    /// Checks the filter parameters of a list or an export (the API's and <c>pulse events export</c>'s).
    /// With <paramref name="profiles"/>, a profile filter covers every id of the person; without, just the id given.
    /// </summary>
    public static async Task<EventFilter> FilterAsync(Actor actor, string? source, string? type, string? @event, string? from, string? to,
        string? profile, SourceService sources, CancellationToken ct, Profiles.ProfileService? profiles = null)
    {
        Guid? sourceId = null;
        if (!string.IsNullOrEmpty(source))
            sourceId = (await sources.GetAsync(actor, source, ct)).Id;
        if (type is not null && CallTypes.Normalise(type) is null)
            throw new ValidationException("type", "type must be one of track, identify, page, screen, group, alias.");
        if (@event is { Length: > Ingest.MessageBuilder.MaxEventNameLength })
            throw new ValidationException("event", $"event must be at most {Ingest.MessageBuilder.MaxEventNameLength} characters.");
        var fromTime = Time("from", from);
        var toTime = Time("to", to);
        if (fromTime is { } f && toTime is { } t && f >= t)
            throw new ValidationException("to", "to must be after from.");
        if (profile is { Length: > Ids.MaxLength })
            throw new ValidationException("profile", $"profile must be at most {Ids.MaxLength} characters.");
        IReadOnlyList<string>? ids = string.IsNullOrEmpty(profile) ? null
            : profiles is null ? [profile] : await profiles.IdsOfAsync(actor.WorkspaceId, profile, ct);
        return new EventFilter(actor.WorkspaceId, sourceId, type, string.IsNullOrEmpty(@event) ? null : @event, fromTime, toTime, ids);
    }

    /// <summary>ISO-8601 date (2026-11-01, midnight UTC) or date-time with offset.</summary>
    public static DateTimeOffset? Time(string field, string? value)
    {
        if (string.IsNullOrEmpty(value))
            return null;
        if (DateTimeOffset.TryParseExact(value, ["yyyy-MM-dd", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK", "yyyy-MM-ddTHH:mmK"],
                CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var t)
            && t.Year is >= 1970 and <= 9998)
            return t;
        throw new ValidationException(field, $"{field} must be an ISO-8601 date (2026-11-01) or date-time (2026-11-01T08:00:00Z).");
    }
}
