using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Influence.Attribution;

public static class AttributionEndpoints
{
    public static RouteGroupBuilder MapAttribution(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/attribution").WithTags("Attribution");
        group.MapPost("/analyze", Analyze).RequirePermission(Permission.AttributionRead)
            .WithSummary("Attributes the journeys in the body under each model named: {models: [last_click|first_click|linear|time_decay|position_based|markov|shapley], "
                + "journeys: [{path, conversions, value, nulls, timestamps?, convertedAt?}], halfLifeDays?, halfLifeSteps?}; answers {models: {model: {touch: {conversions, value}}}, totals}.");
        group.MapGet("/report", Report).RequirePermission(Permission.AttributionRead)
            .WithSummary("Attributes the workspace's recorded conversions over the journeys on the event log (link clicks, codes, social, search and e-mail visits, "
                + "campaign-tagged visits, ad click ids, across each person's ids): ?level=channel|campaign|creator&from&to&models=last_click,markov…&lookbackDays=30&currency&halfLifeDays.");
        return group;
    }

    private static async Task<Ok<AttributionReportDto>> Report(HttpContext http, AttributionReport report, string? level, DateTimeOffset? from, DateTimeOffset? to,
        string? models, int? lookbackDays, string? currency, double? halfLifeDays, CancellationToken ct)
    {
        var request = new AttributionReportRequest(ParseLevel(level), from, to,
            models?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), lookbackDays, currency, halfLifeDays);
        return TypedResults.Ok(await report.RunAsync(HttpActor.From(http), request, ct));
    }

    /// <summary>channel (default), campaign or creator.</summary>
    public static AttributionLevel ParseLevel(string? level) => level?.Trim().ToLowerInvariant() switch
    {
        null or "" or "channel" => AttributionLevel.Channel,
        "campaign" => AttributionLevel.Campaign,
        "creator" => AttributionLevel.Creator,
        _ => throw new ValidationException("level", $"'{level}' is not a level; use channel, campaign or creator."),
    };

    private static Ok<AnalyzeResult> Analyze(AnalyzeRequest body) => TypedResults.Ok(AnalyzeResult.Of(body));
}
