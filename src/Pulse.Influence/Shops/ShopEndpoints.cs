using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Influence.Shops;

public static class ShopEndpoints
{
    public static IEndpointRouteBuilder MapShops(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/shops").WithTags("Shops");
        group.MapGet("/", List).RequirePermission(Permission.SourcesRead).WithSummary("Shops that send orders by webhook, with their webhook paths; secrets masked.");
        group.MapPost("/", Create).RequirePermission(Permission.SourcesManage)
            .WithSummary("Connects a shop {platform: shopify|woocommerce, name, secret?}; answers the webhook path to register in the shop (a generated secret is in this answer only).");
        group.MapDelete("/{id:guid}", Delete).RequirePermission(Permission.SourcesManage).WithSummary("Disconnects a shop; its orders stay.");
        return api;
    }

    private static async Task<Ok<IReadOnlyList<ShopDto>>> List(HttpContext http, ShopService shops, CancellationToken ct) =>
        TypedResults.Ok(await shops.ListAsync(HttpActor.From(http), ct));

    private static async Task<Created<ShopDto>> Create(CreateShopRequest body, HttpContext http, ShopService shops, CancellationToken ct)
    {
        var created = await shops.CreateAsync(HttpActor.From(http), body, ct);
        return TypedResults.Created($"/api/v1/shops/{created.Id}", created);
    }

    private static async Task<NoContent> Delete(Guid id, HttpContext http, ShopService shops, CancellationToken ct)
    {
        await shops.DeleteAsync(HttpActor.From(http), id, ct);
        return TypedResults.NoContent();
    }
}
