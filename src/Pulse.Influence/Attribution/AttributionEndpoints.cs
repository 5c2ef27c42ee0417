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
        return group;
    }

    private static Ok<AnalyzeResult> Analyze(AnalyzeRequest body) => TypedResults.Ok(AnalyzeResult.Of(body));
}
