using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;

namespace Pulse.Influence.Creators;

public static class CreatorEndpoints
{
    /// <summary>An import's CSV is at most this large (20,000 rows of a wide sheet fit).</summary>
    public const int MaxImportBytes = 10 * 1024 * 1024;

    public static IEndpointRouteBuilder MapCreators(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/creators").WithTags("Creators");
        group.MapGet("/", List).RequirePermission(Permission.InfluenceRead)
            .WithSummary("Creators of the workspace, paged; status=, tier= (nano|micro|mid|macro|mega|unknown), group=, category=, platform=, q= (name, e-mail or handle) filter.");
        group.MapGet("/tiers", TierCounts).RequirePermission(Permission.InfluenceRead).WithSummary("How many creators of each tier the same filters leave.");
        group.MapGet("/{id:guid}", Get).RequirePermission(Permission.InfluenceRead).WithSummary("One creator with its latest notes; the payout account masked.");
        group.MapPost("/", Create).RequirePermission(Permission.InfluenceManage)
            .WithSummary("Adds a creator: {name, email?, country?, status?, categories?, handles?: [{platform, handle, followers?}], groups?, contract?, payout? (PayoutsManage)}.");
        group.MapPatch("/{id:guid}", Update).RequirePermission(Permission.InfluenceManage)
            .WithSummary("Changes a creator; fields left out stay, lists given replace the old ones.");
        group.MapDelete("/{id:guid}", Delete).RequirePermission(Permission.InfluenceManage).WithSummary("Deletes a creator with its handles, memberships and notes.");
        group.MapPost("/{id:guid}/posts", AddPost).RequirePermission(Permission.InfluenceManage)
            .WithSummary("Records a post of the creator {url, postedAt, platform?, campaign?, impressions?, engagements?}; its EMV is valued at Emv:Cpm and Emv:Cpe.");
        group.MapGet("/{id:guid}/posts", Posts).RequirePermission(Permission.InfluenceRead).WithSummary("The creator's recorded posts with their reach and EMV, newest first.");
        group.MapPost("/{id:guid}/notes", AddNote).RequirePermission(Permission.InfluenceManage).WithSummary("Adds a note {text} to a creator.");
        group.MapPost("/{id:guid}/invite", Invite).RequirePermission(Permission.InfluenceManage)
            .WithSummary("Makes a one-time invitation link to the partner portal for the creator's e-mail (valid 7 days; earlier unused links stop working). Send it to the creator.");
        group.MapPost("/{id:guid}/portal-access", GrantPortal).RequirePermission(Permission.MembersManage)
            .WithSummary("Makes the creator's partner account at once {password?}; without a password a temporary one is returned once.");
        group.MapPost("/import", Import).RequirePermission(Permission.InfluenceManage)
            .Accepts<string>("text/csv")
            .WithSummary("Imports creators from a CSV body (text/csv, up to 10 MB, 20,000 rows; columns in docs/api.md); rows match existing creators by e-mail, else handle. "
                + "Answers a report per row; refused rows are not saved, the rest are. dryRun=true saves nothing.");

        var groups = api.MapGroup("/creator-groups").WithTags("Creators");
        groups.MapGet("/", Groups).RequirePermission(Permission.InfluenceRead).WithSummary("The workspace's creator groups with how many creators each has.");
        groups.MapPost("/", CreateGroup).RequirePermission(Permission.InfluenceManage).WithSummary("Creates a group {name, description?}.");
        groups.MapPatch("/{id:guid}", UpdateGroup).RequirePermission(Permission.InfluenceManage).WithSummary("Renames a group or changes its description.");
        groups.MapDelete("/{id:guid}", DeleteGroup).RequirePermission(Permission.InfluenceManage).WithSummary("Deletes a group; its creators stay.");
        return api;
    }

    private static CreatorFilter Filter(string? status, string? tier, string? group, string? category, string? platform, string? q) =>
        new(status, tier, group, category, platform, q);

    private static async Task<Ok<Page<CreatorDto>>> List(string? status, string? tier, string? group, string? category, string? platform, string? q,
        string? cursor, int? limit, HttpContext http, CreatorService creators, CancellationToken ct) =>
        TypedResults.Ok(await creators.ListAsync(HttpActor.From(http), Filter(status, tier, group, category, platform, q), PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<IReadOnlyDictionary<string, int>>> TierCounts(string? status, string? group, string? category, string? platform, string? q,
        HttpContext http, CreatorService creators, CancellationToken ct) =>
        TypedResults.Ok(await creators.TierCountsAsync(HttpActor.From(http), Filter(status, null, group, category, platform, q), ct));

    private static async Task<Ok<CreatorDto>> Get(Guid id, HttpContext http, CreatorService creators, CancellationToken ct) =>
        TypedResults.Ok(await creators.GetAsync(HttpActor.From(http), id, ct));

    private static async Task<Created<CreatorDto>> Create(CreateCreatorRequest body, HttpContext http, CreatorService creators, CancellationToken ct)
    {
        var created = await creators.CreateAsync(HttpActor.From(http), body, ct);
        return TypedResults.Created($"/api/v1/creators/{created.Id}", created);
    }

    private static async Task<Ok<CreatorDto>> Update(Guid id, UpdateCreatorRequest body, HttpContext http, CreatorService creators, CancellationToken ct) =>
        TypedResults.Ok(await creators.UpdateAsync(HttpActor.From(http), id, body, ct));

    private static async Task<NoContent> Delete(Guid id, HttpContext http, CreatorService creators, CancellationToken ct)
    {
        await creators.DeleteAsync(HttpActor.From(http), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Created<NoteDto>> AddNote(Guid id, AddNoteRequest body, HttpContext http, CreatorService creators, CancellationToken ct)
    {
        var note = await creators.AddNoteAsync(HttpActor.From(http), id, body, ct);
        return TypedResults.Created($"/api/v1/creators/{id}", note);
    }

    private static async Task<Results<Ok<CreatorImportReport>, ProblemHttpResult>> Import(bool? dryRun, HttpContext http, CreatorService creators, CancellationToken ct)
    {
        var (text, problem) = await BodyUpload.ReadAsync(http, MaxImportBytes, ct);
        if (problem is not null)
            return problem;
        using var reader = new StringReader(text!);
        return TypedResults.Ok(await creators.ImportAsync(HttpActor.From(http), reader, dryRun ?? false, null, ct));
    }

    private static async Task<Ok<IReadOnlyList<CreatorGroupDto>>> Groups(HttpContext http, CreatorService creators, CancellationToken ct) =>
        TypedResults.Ok(await creators.GroupsAsync(HttpActor.From(http), ct));

    private static async Task<Created<CreatorGroupDto>> CreateGroup(CreatorGroupRequest body, HttpContext http, CreatorService creators, CancellationToken ct)
    {
        var created = await creators.CreateGroupAsync(HttpActor.From(http), body, ct);
        return TypedResults.Created($"/api/v1/creator-groups/{created.Id}", created);
    }

    private static async Task<Ok<CreatorGroupDto>> UpdateGroup(Guid id, CreatorGroupRequest body, HttpContext http, CreatorService creators, CancellationToken ct) =>
        TypedResults.Ok(await creators.UpdateGroupAsync(HttpActor.From(http), id, body, ct));

    private static async Task<NoContent> DeleteGroup(Guid id, HttpContext http, CreatorService creators, CancellationToken ct)
    {
        await creators.DeleteGroupAsync(HttpActor.From(http), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Ok<Partners.PartnerInviteDto>> Invite(Guid id, HttpContext http, Partners.PartnerAccessService access, CancellationToken ct)
    {
        var configured = http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Links.LinksOptions>>().Value.BaseUrl;
        var baseUrl = configured is { Length: > 0 } b ? b : $"{http.Request.Scheme}://{http.Request.Host}";
        return TypedResults.Ok(await access.InviteAsync(HttpActor.From(http), id, baseUrl, ct));
    }

    private static async Task<Ok<Partners.PartnerAccessDto>> GrantPortal(Guid id, Partners.PartnerAccessRequest? body, HttpContext http, Partners.PartnerAccessService access, CancellationToken ct) =>
        TypedResults.Ok(await access.GrantAsync(HttpActor.From(http), id, body ?? new Partners.PartnerAccessRequest(), ct));

    private static async Task<Created<CreatorPostDto>> AddPost(Guid id, CreatorPostRequest body, HttpContext http, CreatorService creators, CancellationToken ct)
    {
        var post = await creators.AddPostAsync(HttpActor.From(http), id, body, http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<EmvOptions>>().Value, ct);
        return TypedResults.Created($"/api/v1/creators/{id}/posts", post);
    }

    private static async Task<Ok<IReadOnlyList<CreatorPostDto>>> Posts(Guid id, HttpContext http, CreatorService creators, CancellationToken ct) =>
        TypedResults.Ok(await creators.PostsAsync(HttpActor.From(http), id, http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<EmvOptions>>().Value, ct));
}
