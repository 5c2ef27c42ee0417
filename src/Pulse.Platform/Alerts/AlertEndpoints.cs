using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;

namespace Pulse.Platform.Alerts;

internal static class AlertEndpoints
{
    public static RouteGroupBuilder MapAlerts(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/alerts").WithTags("Alerts");
        group.MapGet("/", List).RequirePermission(Permission.AlertsRead).WithSummary("Alerts of the workspace, newest first; state is open (default), cleared or all.");
        group.MapPost("/{id:guid}/acknowledge", Acknowledge).RequirePermission(Permission.AlertsManage).WithSummary("Marks an alert as seen; it stays open until its condition clears.");
        group.MapGet("/settings", GetSettings).RequirePermission(Permission.AlertsManage).WithSummary("The alert webhook URL and the secret that signs its deliveries.");
        group.MapPut("/settings", PutSettings).RequirePermission(Permission.AlertsManage).WithSummary("Sets or removes (\"\") the alert webhook URL, or rotates the signing secret.");
        return group;
    }

    private static async Task<Ok<Page<AlertDto>>> List(string? state, string? cursor, int? limit, HttpContext http, AlertService alerts, CancellationToken ct) =>
        TypedResults.Ok(await alerts.ListAsync(HttpActor.From(http), state, PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<AlertDto>> Acknowledge(Guid id, HttpContext http, AlertService alerts, CancellationToken ct) =>
        TypedResults.Ok(await alerts.AcknowledgeAsync(HttpActor.From(http), id, ct));

    private static async Task<Ok<AlertSettingsDto>> GetSettings(HttpContext http, AlertService alerts, CancellationToken ct) =>
        TypedResults.Ok(await alerts.GetSettingsAsync(HttpActor.From(http), ct));

    private static async Task<Ok<AlertSettingsDto>> PutSettings(UpdateAlertSettingsRequest body, HttpContext http, AlertService alerts, CancellationToken ct) =>
        TypedResults.Ok(await alerts.UpdateSettingsAsync(HttpActor.From(http), body, ct));
}
