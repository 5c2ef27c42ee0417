using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;

namespace Pulse.Collect.Quarantine;

internal static class QuarantineEndpoints
{
    public static RouteGroupBuilder MapQuarantine(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/quarantine").WithTags("Quarantine");
        group.MapGet("/", List).RequirePermission(Permission.EventsRead)
            .WithSummary("Quarantined messages, newest first. Filters: source (id or name), status (pending, replayed), kind (blocked, invalid), event.");
        group.MapGet("/{id:guid}", Get).RequirePermission(Permission.EventsRead).WithSummary("One quarantined message with its reason and the message.");
        group.MapPost("/replay", Replay).RequirePermission(Permission.TrackingPlansManage)
            .WithSummary("Checks pending messages (one id, or a source with optional event/kind) against the current plan; those that pass go into the log.");
        group.MapDelete("/{id:guid}", Delete).RequirePermission(Permission.TrackingPlansManage).WithSummary("Deletes one quarantined message.");
        return group;
    }

    private static async Task<Ok<Page<QuarantineDto>>> List(string? source, string? status, string? kind, string? @event, string? cursor, int? limit,
        HttpContext http, QuarantineService quarantine, CancellationToken ct) =>
        TypedResults.Ok(await quarantine.ListAsync(HttpActor.From(http), source, status, kind, @event, PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<QuarantineDto>> Get(Guid id, HttpContext http, QuarantineService quarantine, CancellationToken ct) =>
        TypedResults.Ok(await quarantine.GetAsync(HttpActor.From(http), id, ct));

    private static async Task<Ok<ReplayResult>> Replay(ReplayRequest body, HttpContext http, QuarantineService quarantine, CancellationToken ct) =>
        TypedResults.Ok(await quarantine.ReplayAsync(HttpActor.From(http), body, ct));

    private static async Task<NoContent> Delete(Guid id, HttpContext http, QuarantineService quarantine, CancellationToken ct)
    {
        await quarantine.DeleteAsync(HttpActor.From(http), id, ct);
        return TypedResults.NoContent();
    }
}
