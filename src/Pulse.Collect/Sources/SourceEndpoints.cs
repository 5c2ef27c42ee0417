using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;

namespace Pulse.Collect.Sources;

internal static class SourceEndpoints
{
    public static RouteGroupBuilder MapSources(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/sources").WithTags("Sources");
        group.MapGet("/", List).RequirePermission(Permission.SourcesRead).WithSummary("Sources of the workspace, paged.");
        group.MapGet("/{idOrName}", Get).RequirePermission(Permission.SourcesRead).WithSummary("One source by id or name, with its write key.");
        group.MapPost("/", Create).RequirePermission(Permission.SourcesManage).WithSummary("Creates a source; the response holds its write key.");
        group.MapPatch("/{idOrName}", Update).RequirePermission(Permission.SourcesManage).WithSummary("Changes name, enabled flag, allowed origins or limits; fields left out stay.");
        group.MapPost("/{idOrName}/rotate-write-key", Rotate).RequirePermission(Permission.SourcesManage).WithSummary("Gives the source a new write key; the old one stops working.");
        var settings = api.MapGroup("/collect/settings").WithTags("Sources");
        settings.MapGet("/", GetSettings).RequirePermission(Permission.SourcesRead).WithSummary("How the workspace's events are treated: IP mode and the consent default.");
        settings.MapPatch("/", UpdateSettings).RequirePermission(Permission.SourcesManage).WithSummary("Changes the IP mode (Full, Truncate, Pseudonymise, Drop) or the consent default (Allow, Deny).");
        return group;
    }

    private static async Task<Ok<CollectSettingsDto>> GetSettings(HttpContext http, SourceService sources, CancellationToken ct) =>
        TypedResults.Ok(await sources.GetSettingsAsync(HttpActor.From(http), ct));

    private static async Task<Ok<CollectSettingsDto>> UpdateSettings(UpdateCollectSettingsRequest body, HttpContext http, SourceService sources, CancellationToken ct) =>
        TypedResults.Ok(await sources.UpdateSettingsAsync(HttpActor.From(http), body, ct));

    private static async Task<Ok<Page<SourceDto>>> List(string? cursor, int? limit, HttpContext http, SourceService sources, CancellationToken ct) =>
        TypedResults.Ok(await sources.ListAsync(HttpActor.From(http), PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<SourceDto>> Get(string idOrName, HttpContext http, SourceService sources, CancellationToken ct) =>
        TypedResults.Ok(await sources.GetAsync(HttpActor.From(http), idOrName, ct));

    private static async Task<Created<SourceDto>> Create(CreateSourceRequest body, HttpContext http, SourceService sources, CancellationToken ct)
    {
        var created = await sources.CreateAsync(HttpActor.From(http), body, ct);
        return TypedResults.Created($"/api/v1/sources/{created.Id}", created);
    }

    private static async Task<Ok<SourceDto>> Update(string idOrName, UpdateSourceRequest body, HttpContext http, SourceService sources, CancellationToken ct) =>
        TypedResults.Ok(await sources.UpdateAsync(HttpActor.From(http), idOrName, body, ct));

    private static async Task<Ok<SourceDto>> Rotate(string idOrName, HttpContext http, SourceService sources, CancellationToken ct) =>
        TypedResults.Ok(await sources.RotateWriteKeyAsync(HttpActor.From(http), idOrName, ct));
}
