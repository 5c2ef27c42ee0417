using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Collect.Events;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Collect.Plans;

internal static class TrackingPlanEndpoints
{
    public static RouteGroupBuilder MapTrackingPlans(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/sources/{source}/tracking-plan").WithTags("Tracking plans");
        group.MapGet("/", Get).RequirePermission(Permission.SourcesRead).WithSummary("The source's tracking plan: mode, unplanned-event flag, current version.");
        group.MapPut("/", Set).RequirePermission(Permission.TrackingPlansManage).WithSummary("Creates the plan or changes mode (allow, omit, block) and allowUnplannedEvents; fields left out stay.");
        group.MapDelete("/", Delete).RequirePermission(Permission.TrackingPlansManage).WithSummary("Removes the plan and its versions; events are no longer checked.");
        group.MapGet("/versions", Versions).RequirePermission(Permission.SourcesRead).WithSummary("Published versions, newest first.");
        group.MapPost("/versions", Publish).RequirePermission(Permission.TrackingPlansManage)
            .WithSummary("Publishes a version (explicit MODEL-REVISION-ADDITION above the newest, or a bump); it is in force at once.");
        group.MapGet("/versions/{version}", Version).RequirePermission(Permission.SourcesRead).WithSummary("One version with its definitions (current for the newest).");
        group.MapGet("/violations", Violations).RequirePermission(Permission.SourcesRead)
            .WithSummary("Events with violations per event and plan version, in the log and in quarantine, received in [from, to) (default: the last 7 days).");
        return group;
    }

    private static async Task<Ok<TrackingPlanDto>> Get(string source, HttpContext http, TrackingPlanService plans, CancellationToken ct) =>
        TypedResults.Ok(await plans.GetAsync(HttpActor.From(http), source, ct));

    private static async Task<Ok<TrackingPlanDto>> Set(string source, UpdatePlanRequest body, HttpContext http, TrackingPlanService plans, CancellationToken ct) =>
        TypedResults.Ok(await plans.SetAsync(HttpActor.From(http), source, body, ct));

    private static async Task<NoContent> Delete(string source, HttpContext http, TrackingPlanService plans, CancellationToken ct)
    {
        await plans.DeleteAsync(HttpActor.From(http), source, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<IReadOnlyList<PlanVersionSummary>>> Versions(string source, HttpContext http, TrackingPlanService plans, CancellationToken ct) =>
        TypedResults.Ok(await plans.VersionsAsync(HttpActor.From(http), source, ct));

    private static async Task<Created<PlanVersionDto>> Publish(string source, PublishVersionRequest body, HttpContext http, TrackingPlanService plans, CancellationToken ct)
    {
        var created = await plans.PublishAsync(HttpActor.From(http), source, body, ct);
        return TypedResults.Created($"/api/v1/sources/{Uri.EscapeDataString(source)}/tracking-plan/versions/{created.Version}", created);
    }

    private static async Task<Ok<PlanVersionDto>> Version(string source, string version, HttpContext http, TrackingPlanService plans, CancellationToken ct) =>
        TypedResults.Ok(await plans.VersionAsync(HttpActor.From(http), source, version, ct));

    private static async Task<Ok<ViolationReport>> Violations(string source, string? from, string? to, HttpContext http, TrackingPlanService plans, CancellationToken ct) =>
        TypedResults.Ok(await plans.ViolationsAsync(HttpActor.From(http), source, EventEndpoints.Time("from", from), EventEndpoints.Time("to", to), ct));
}
