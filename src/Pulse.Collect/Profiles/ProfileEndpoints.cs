using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;

namespace Pulse.Collect.Profiles;

public static class ProfileEndpoints
{
    public static RouteGroupBuilder MapProfiles(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/profiles").WithTags("Profiles");
        group.MapGet("/", List).RequirePermission(Permission.ProfilesRead).WithSummary("Profiles of the workspace, newest first; search matches the start of any id.");
        group.MapGet("/erasures", Erasures).RequirePermission(Permission.ProfilesManage).WithSummary("Records of erasures: when, by whom, how much each module removed (no personal data).");
        group.MapPost("/merge", Merge).RequirePermission(Permission.ProfilesManage).WithSummary("Merges the profile holding 'from' into the one holding 'into' (any ids).");
        group.MapPost("/merges/{mergeId:guid}/unmerge", Unmerge).RequirePermission(Permission.ProfilesManage).WithSummary("Undoes a merge; the profiles are not merged again automatically.");
        group.MapGet("/{anyId}", Get).RequirePermission(Permission.ProfilesRead).WithSummary("A profile by any of its ids (user id, anonymous id or profile id): traits, identities, consent, merges and the latest events.");
        group.MapGet("/{anyId}/export", Export).RequirePermission(Permission.ProfilesManage).WithSummary("Everything held about the person as one JSON document (data-subject access request).");
        group.MapDelete("/{anyId}", Erase).RequirePermission(Permission.ProfilesManage).WithSummary("Erases the person: events, profile, identities and every module's data; returns the erasure record.");
        group.MapPost("/{anyId}/consent", Consent).RequirePermission(Permission.ProfilesManage).WithSummary("Opts the person out (or back in) and/or replaces their consent categories.");
        return group;
    }

    private static async Task<Ok<Page<ProfileSummaryDto>>> List(string? search, string? cursor, int? limit, HttpContext http, ProfileService profiles, CancellationToken ct) =>
        TypedResults.Ok(await profiles.ListAsync(HttpActor.From(http), search, PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<ProfileDto>> Get(string anyId, string? cursor, HttpContext http, ProfileService profiles, CancellationToken ct) =>
        TypedResults.Ok(await profiles.GetAsync(HttpActor.From(http), anyId, cursor, ct));

    private static async Task<EmptyHttpResult> Export(string anyId, HttpContext http, ProfileService profiles, CancellationToken ct)
    {
        var actor = HttpActor.From(http);
        // Resolve first, so an unknown id is a 404 problem rather than a half-written download.
        var profile = await profiles.GetAsync(actor, anyId, null, ct);
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"profile-{profile.Id}.json\"";
        await profiles.ExportAsync(actor, anyId, http.Response.Body, ct);
        return TypedResults.Empty;
    }

    private static async Task<Ok<ErasureDto>> Erase(string anyId, HttpContext http, ProfileService profiles, CancellationToken ct) =>
        TypedResults.Ok(await profiles.EraseAsync(HttpActor.From(http), anyId, ct));

    private static async Task<Ok<ProfileDto>> Consent(string anyId, ConsentRequest body, HttpContext http, ProfileService profiles, CancellationToken ct) =>
        TypedResults.Ok(await profiles.SetConsentAsync(HttpActor.From(http), anyId, body, ct));

    private static async Task<Ok<MergeDto>> Merge(MergeProfilesRequest body, HttpContext http, ProfileService profiles, CancellationToken ct) =>
        TypedResults.Ok(await profiles.MergeAsync(HttpActor.From(http), body, ct));

    private static async Task<Ok<MergeDto>> Unmerge(Guid mergeId, HttpContext http, ProfileService profiles, CancellationToken ct) =>
        TypedResults.Ok(await profiles.UnmergeAsync(HttpActor.From(http), mergeId, ct));

    private static async Task<Ok<Page<ErasureDto>>> Erasures(string? cursor, int? limit, HttpContext http, ProfileService profiles, CancellationToken ct) =>
        TypedResults.Ok(await profiles.ErasuresAsync(HttpActor.From(http), PageRequest.Create(cursor, limit), ct));
}
