using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;

namespace Pulse.Platform.Audit;

public static class AuditEndpoints
{
    public static RouteGroupBuilder MapAudit(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/audit").WithTags("Audit");
        group.MapGet("/", List).RequirePermission(Permission.AuditRead)
            .WithSummary("The workspace's audit trail, newest first. action=apikey. matches a family.");
        group.MapGet("/export", Export).RequirePermission(Permission.AuditExport)
            .WithSummary("The filtered trail as CSV; the export itself is audited.");
        return group;
    }

    private static async Task<Ok<Page<AuditEntryDto>>> List(
        string? action, string? actor, string? targetType, string? targetId, DateTimeOffset? from, DateTimeOffset? to,
        string? cursor, int? limit, HttpContext http, AuditQueries audit, CancellationToken ct)
    {
        var filter = Filter(action, actor, targetType, targetId, from, to);
        return TypedResults.Ok(await audit.ListAsync(HttpActor.From(http), filter, PageRequest.Create(cursor, limit), ct));
    }

    private static async Task<EmptyHttpResult> Export(
        string? action, string? actor, string? targetType, string? targetId, DateTimeOffset? from, DateTimeOffset? to,
        HttpContext http, AuditQueries audit, CancellationToken ct)
    {
        await WriteCsvAsync(http, HttpActor.From(http), Filter(action, actor, targetType, targetId, from, to), audit, ct);
        return TypedResults.Empty;
    }

    /// <summary>Streams the filtered trail as a CSV download (API and panel alike); refused before any header is set.</summary>
    public static async Task WriteCsvAsync(HttpContext http, Actor who, AuditFilter filter, AuditQueries audit, CancellationToken ct)
    {
        who.Demand(Permission.AuditExport);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = "attachment; filename=\"pulse-audit.csv\"";
        await using var writer = new StreamWriter(http.Response.Body, leaveOpen: true);
        await audit.ExportCsvAsync(who, filter, writer, ct);
    }

    private static AuditFilter Filter(string? action, string? actor, string? targetType, string? targetId, DateTimeOffset? from, DateTimeOffset? to)
    {
        if (action is { Length: > 64 })
            throw new ValidationException("action", "action must be at most 64 characters.");
        if (actor is { Length: > 300 })
            throw new ValidationException("actor", "actor must be at most 300 characters.");
        if (from is { } f && to is { } t && t <= f)
            throw new ValidationException("to", "to must be later than from.");
        return new AuditFilter(action, actor, targetType, targetId, from, to);
    }
}
