using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;
using Pulse.Collect.Profiles.Live;

namespace Pulse.Collect.Profiles;

internal static class ProfileEndpoints
{
    public static RouteGroupBuilder MapProfiles(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/profiles").WithTags("Profiles");
        group.MapGet("/", List).RequirePermission(Permission.ProfilesRead).WithSummary("Profiles of the workspace, newest first; search matches the start of any id.");
        group.MapGet("/active", Active).RequirePermission(Permission.ProfilesRead)
            .WithSummary("Visitors right now, on every node (a visitor is an anonymous id, else a user id): how many were seen in the last 5 minutes, 30 minutes and 24 hours, and the latest (limit, default 20, at most 50) with their current sessions.");
        group.MapGet("/erasures", Erasures).RequirePermission(Permission.ProfilesManage).WithSummary("Records of erasures: when, by whom, how much each module removed (no personal data).");
        group.MapPost("/merge", Merge).RequirePermission(Permission.ProfilesManage).WithSummary("Merges the profile holding 'from' into the one holding 'into' (any ids).");
        group.MapPost("/merges/{mergeId:guid}/unmerge", Unmerge).RequirePermission(Permission.ProfilesManage).WithSummary("Undoes a merge; the profiles are not merged again automatically.");
        group.MapGet("/{anyId}", Get).RequirePermission(Permission.ProfilesRead).WithSummary("A profile by any of its ids (user id, anonymous id or profile id): traits, identities, consent, merges and the latest events.");
        group.MapGet("/{anyId}/now", Now).RequirePermission(Permission.ProfilesRead)
            .WithSummary("The person right now, over all their ids, before the profile is updated: last seen, whether active in the last 5 minutes, and the current session (start, events, pages, source, medium, campaign, landing page, device); null fields when not seen in the last 24 hours.");
        group.MapGet("/{anyId}/export", Export).RequirePermission(Permission.ProfilesManage).WithSummary("Everything held about the person as one JSON document (data-subject access request).");
        group.MapDelete("/{anyId}", Erase).RequirePermission(Permission.ProfilesManage).WithSummary("Erases the person: events, profile, identities and every module's data; returns the erasure record.");
        group.MapPost("/{anyId}/consent", Consent).RequirePermission(Permission.ProfilesManage).WithSummary("Opts the person out (or back in) and/or replaces their consent categories.");
        return group;
    }

    private static async Task<Ok<Page<ProfileSummaryDto>>> List(string? search, string? cursor, int? limit, HttpContext http, ProfileService profiles, CancellationToken ct) =>
        TypedResults.Ok(await profiles.ListAsync(HttpActor.From(http), search, PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<ProfileDto>> Get(string anyId, string? cursor, HttpContext http, ProfileService profiles, CancellationToken ct) =>
        TypedResults.Ok(await profiles.GetAsync(HttpActor.From(http), anyId, cursor, ct));

    private static async Task<Ok<ActivityDto>> Active(int? limit, HttpContext http, LiveProfiles live, CancellationToken ct)
    {
        var actor = HttpActor.From(http);
        actor.Demand(Permission.ProfilesRead);
        if (limit is < 1 or > LiveProfiles.MaxRecent)
            throw new ValidationException("limit", $"limit must be between 1 and {LiveProfiles.MaxRecent}.");
        return TypedResults.Ok(await live.ActivityAsync(actor.WorkspaceId, limit ?? 20, ct));
    }

    private static async Task<Ok<ProfileNowDto>> Now(string anyId, HttpContext http, ProfileService profiles, LiveProfiles live, CancellationToken ct)
    {
        var actor = HttpActor.From(http);
        actor.Demand(Permission.ProfilesRead);
        if (anyId.Length > Ingest.Ids.MaxLength)
            throw new ValidationException("anyId", $"An id has at most {Ingest.Ids.MaxLength} characters.");
        // Every id of the person once the profile builder has seen them; until then the id asked for.
        var ids = await profiles.IdsOfAsync(actor.WorkspaceId, anyId, ct);
        return TypedResults.Ok(await live.NowAsync(actor.WorkspaceId, ids, ct));
    }

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
