using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Influence.Fraud;

public static class FraudEndpoints
{
    public static IEndpointRouteBuilder MapFraud(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/fraud/flags").WithTags("Fraud");
        group.MapGet("/", List).RequirePermission(Permission.InfluenceRead).WithSummary("Fraud flags with their rule, score and evidence, newest first; state=open|approved|rejected|banned, creatorId= filter.");
        group.MapPost("/{id:guid}/resolve", Resolve).RequirePermission(Permission.PayoutsManage)
            .WithSummary("{action: approve|reject|ban, note?}: approve releases the held commissions, reject cancels them, ban also bans the creator; audited.");
        return api;
    }

    private static async Task<Ok<IReadOnlyList<FraudFlagDto>>> List(string? state, Guid? creatorId, FraudService s, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await s.ListAsync(HttpActor.From(http), state, creatorId, ct));

    private static async Task<Ok<FraudFlagDto>> Resolve(Guid id, ResolveFlagRequest body, FraudService s, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await s.ResolveAsync(HttpActor.From(http), id, body, ct));
}
