using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Platform.Workspaces;

internal static class WorkspaceEndpoints
{
    public static RouteGroupBuilder MapWorkspaces(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/workspaces").WithTags("Workspaces");
        group.MapGet("/current", GetCurrent).RequirePermission(Permission.WorkspaceRead)
            .WithSummary("The workspace of the calling key.");
        group.MapGet("/{id:guid}", GetById).RequirePermission(Permission.WorkspaceRead)
            .WithSummary("A workspace by id; 404 for any workspace but the key's own.");
        group.MapPatch("/current", Rename).RequirePermission(Permission.WorkspaceManage)
            .WithSummary("Renames the workspace of the calling key.");
        return group;
    }

    private static async Task<Ok<WorkspaceDto>> GetCurrent(HttpContext http, WorkspaceService workspaces, CancellationToken ct)
    {
        var actor = HttpActor.From(http);
        return TypedResults.Ok(await workspaces.GetAsync(actor, actor.WorkspaceId, ct));
    }

    private static async Task<Ok<WorkspaceDto>> GetById(Guid id, HttpContext http, WorkspaceService workspaces, CancellationToken ct) =>
        TypedResults.Ok(await workspaces.GetAsync(HttpActor.From(http), id, ct));

    private static async Task<Ok<WorkspaceDto>> Rename(RenameWorkspaceRequest body, HttpContext http, WorkspaceService workspaces, CancellationToken ct) =>
        TypedResults.Ok(await workspaces.RenameAsync(HttpActor.From(http), body.Name, ct));
}
