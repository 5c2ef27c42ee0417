using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;

namespace Pulse.Platform.People;

internal static class MemberEndpoints
{
    public static RouteGroupBuilder MapMembers(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/members").WithTags("Members");
        group.MapGet("/", List).RequirePermission(Permission.MembersRead).WithSummary("Members of the workspace, paged.");
        group.MapGet("/{userId:guid}", Get).RequirePermission(Permission.MembersRead).WithSummary("One member.");
        group.MapPost("/", Add).RequirePermission(Permission.MembersManage)
            .WithSummary("Adds a person with a role; creates their account when needed.");
        group.MapPatch("/{userId:guid}", ChangeRole).RequirePermission(Permission.MembersManage).WithSummary("Changes a member's role.");
        group.MapDelete("/{userId:guid}", Remove).RequirePermission(Permission.MembersManage).WithSummary("Removes a member from the workspace.");
        return group;
    }

    private static async Task<Ok<Page<MemberDto>>> List(string? cursor, int? limit, HttpContext http, MemberService members, CancellationToken ct) =>
        TypedResults.Ok(await members.ListAsync(HttpActor.From(http), PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<MemberDto>> Get(Guid userId, HttpContext http, MemberService members, CancellationToken ct) =>
        TypedResults.Ok(await members.GetAsync(HttpActor.From(http), userId, ct));

    private static async Task<Created<AddedMember>> Add(AddMemberRequest body, HttpContext http, MemberService members, CancellationToken ct)
    {
        var added = await members.AddAsync(HttpActor.From(http), body.Email, body.Role, body.DisplayName, body.Password, ct);
        return TypedResults.Created($"/api/v1/members/{added.Member.UserId}", added);
    }

    private static async Task<Ok<MemberDto>> ChangeRole(Guid userId, ChangeRoleRequest body, HttpContext http, MemberService members, CancellationToken ct) =>
        TypedResults.Ok(await members.ChangeRoleAsync(HttpActor.From(http), userId, body.Role, ct));

    private static async Task<NoContent> Remove(Guid userId, HttpContext http, MemberService members, CancellationToken ct)
    {
        await members.RemoveAsync(HttpActor.From(http), userId, ct);
        return TypedResults.NoContent();
    }
}
