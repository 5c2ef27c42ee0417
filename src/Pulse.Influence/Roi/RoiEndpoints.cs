using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Influence.Attribution;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Influence.Roi;

public static class RoiEndpoints
{
    public static IEndpointRouteBuilder MapRoi(this IEndpointRouteBuilder api)
    {
        api.MapGet("/roi", Report).WithTags("Attribution").RequirePermission(Permission.InfluenceRead).RequirePermission(Permission.AttributionRead)
            .WithSummary("Return per creator, campaign or platform: clicks, unique visitors, commissions, fees, and conversions, revenue, CAC, ROAS and ROI under each model: "
                + "?level=creator|campaign|channel&from&to&models&lookbackDays&currency&halfLifeDays (as the attribution report).");
        return api;
    }

    private static async Task<Ok<RoiReportDto>> Report(HttpContext http, RoiReport report, string? level, DateTimeOffset? from, DateTimeOffset? to,
        string? models, int? lookbackDays, string? currency, double? halfLifeDays, CancellationToken ct)
    {
        var request = new AttributionReportRequest(level is null ? AttributionLevel.Creator : AttributionEndpoints.ParseLevel(level), from, to,
            models?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), lookbackDays, currency, halfLifeDays);
        return TypedResults.Ok(await report.RunAsync(HttpActor.From(http), request, ct));
    }
}
