using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Influence.Money;

public static class RateEndpoints
{
    public static IEndpointRouteBuilder MapRates(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/rates").WithTags("Commissions");
        group.MapGet("/", List).RequirePermission(Permission.InfluenceRead).WithSummary("The workspace's exchange rates, newest day first per pair.");
        group.MapPut("/", Set).RequirePermission(Permission.InfluenceManage)
            .WithSummary("Sets exchange rates {rates: [{currency: EUR, to: PLN, rate: 4.27, day?}]} (a pair and day replaces its rate; rate 0 removes it); reports count other currencies at them.");
        return api;
    }

    private static async Task<Ok<IReadOnlyList<ExchangeRateDto>>> List(HttpContext http, ExchangeRateService rates, CancellationToken ct) =>
        TypedResults.Ok(await rates.ListAsync(HttpActor.From(http), ct));

    private static async Task<Ok<IReadOnlyList<ExchangeRateDto>>> Set(SetRatesRequest body, HttpContext http, ExchangeRateService rates, CancellationToken ct)
    {
        var actor = HttpActor.From(http);
        await rates.SetAsync(actor, body, ct);
        return TypedResults.Ok(await rates.ListAsync(actor, ct));
    }
}
