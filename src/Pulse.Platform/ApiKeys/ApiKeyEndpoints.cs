using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;

namespace Pulse.Platform.ApiKeys;

internal static class ApiKeyEndpoints
{
    public static RouteGroupBuilder MapApiKeys(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/apikeys").WithTags("API keys");
        group.MapGet("/", List).RequirePermission(Permission.ApiKeysRead).WithSummary("Keys of the workspace, paged; revoked ones with includeRevoked=true.");
        group.MapGet("/{id:guid}", Get).RequirePermission(Permission.ApiKeysRead).WithSummary("One key (never its secret).");
        group.MapPost("/", Create).RequirePermission(Permission.ApiKeysManage).WithSummary("Creates a key; the response holds the secret, shown this once.");
        group.MapDelete("/{id:guid}", Revoke).RequirePermission(Permission.ApiKeysManage).WithSummary("Revokes a key at once.");
        return group;
    }

    private static async Task<Ok<Paging.Page<ApiKeyDto>>> List(string? cursor, int? limit, bool? includeRevoked, HttpContext http, ApiKeyService keys, CancellationToken ct) =>
        TypedResults.Ok(await keys.ListAsync(HttpActor.From(http), PageRequest.Create(cursor, limit), includeRevoked ?? false, ct));

    private static async Task<Ok<ApiKeyDto>> Get(Guid id, HttpContext http, ApiKeyService keys, CancellationToken ct) =>
        TypedResults.Ok(await keys.GetAsync(HttpActor.From(http), id, ct));

    private static async Task<Created<CreatedApiKey>> Create(CreateApiKeyRequest body, HttpContext http, ApiKeyService keys, CancellationToken ct)
    {
        var created = await keys.CreateAsync(HttpActor.From(http), body.Name, body.Role, body.ExpiresAt, ct);
        return TypedResults.Created($"/api/v1/apikeys/{created.ApiKey.Id}", created);
    }

    private static async Task<Ok<ApiKeyDto>> Revoke(Guid id, HttpContext http, ApiKeyService keys, CancellationToken ct) =>
        TypedResults.Ok(await keys.RevokeAsync(HttpActor.From(http), id.ToString(), ct));
}
