using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;

namespace Pulse.Influence.Commissions;

public static class CommissionEndpoints
{
    public static IEndpointRouteBuilder MapCommissions(this IEndpointRouteBuilder api)
    {
        var programs = api.MapGroup("/programs").WithTags("Commissions");
        programs.MapGet("/", ListPrograms).RequirePermission(Permission.InfluenceRead).WithSummary("The workspace's affiliate and influencer programs with their rules and creators.");
        programs.MapPost("/", CreateProgram).RequirePermission(Permission.InfluenceManage)
            .WithSummary("Creates a program {name, currency, holdDays?, rules: [{on: sale|lead, type: percent|flat, value, duration: once|months|lifetime, months?, minOrderValue?, categories?, countries?, tiers?: [{minSales, value}]}], creatorIds?}.");
        programs.MapPatch("/{id:guid}", UpdateProgram).RequirePermission(Permission.InfluenceManage).WithSummary("Changes a program; rules apply to conversions from then on.");

        var commissions = api.MapGroup("/commissions").WithTags("Commissions");
        commissions.MapGet("/", List).RequirePermission(Permission.InfluenceRead).WithSummary("Commissions, newest first; creatorId=, state=pending|on_hold|approved|paid|cancelled, programId= filter.");
        commissions.MapPost("/actions", Act).RequirePermission(Permission.PayoutsManage)
            .WithSummary("{ids, action: approve|hold|release|reject, note?}: approve works once the holding period is over; each change is audited.");
        commissions.MapPost("/approve-due", ApproveDue).RequirePermission(Permission.PayoutsManage).WithSummary("Approves every pending commission whose holding period is over.");
        commissions.MapPost("/", Manual).RequirePermission(Permission.PayoutsManage).WithSummary("A manual commission {programId, creatorId, amount (negative for a correction), currency?, note}; approved at once, audited.");

        var payouts = api.MapGroup("/payouts").WithTags("Commissions");
        payouts.MapGet("/", ListPayouts).RequirePermission(Permission.InfluenceRead).WithSummary("Payouts made, newest first; creatorId= filter.");
        payouts.MapPost("/", Pay).RequirePermission(Permission.PayoutsManage)
            .WithSummary("Pays approved commissions less claw-backs {creatorId?, currency?, reference?}: one payout per creator and currency with a positive balance; others carry over.");
        payouts.MapGet("/webhook", GetWebhook).RequirePermission(Permission.PayoutsManage)
            .WithSummary("Where payouts are announced (payout.created, signed with Pulse-Signature, with the creator's account in clear) and the last deliveries.");
        payouts.MapPut("/webhook", PutWebhook).RequirePermission(Permission.PayoutsManage).WithSummary("Sets the payout webhook {url} (\"\" removes it) or {rotateSecret: true}.");
        payouts.MapGet("/export", Export).RequirePermission(Permission.PayoutsManage).WithSummary("The payout file (CSV with each creator's account in clear) for payouts since= or ids=; audited.");

        api.MapGet("/creators/{id:guid}/statements/{month}", Statement).RequirePermission(Permission.InfluenceRead).WithTags("Commissions")
            .WithSummary("A creator's monthly statement (month = yyyy-MM): format=json (default), csv or html (printable); currency= when they earn in several.");
        return api;
    }

    private static async Task<Ok<IReadOnlyList<ProgramDto>>> ListPrograms(CommissionService s, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await s.ListProgramsAsync(HttpActor.From(http), ct));

    private static async Task<Created<ProgramDto>> CreateProgram(ProgramRequest body, CommissionService s, HttpContext http, CancellationToken ct)
    {
        var created = await s.CreateProgramAsync(HttpActor.From(http), body, ct);
        return TypedResults.Created($"/api/v1/programs/{created.Id}", created);
    }

    private static async Task<Ok<ProgramDto>> UpdateProgram(Guid id, ProgramRequest body, CommissionService s, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await s.UpdateProgramAsync(HttpActor.From(http), id, body, ct));

    private static async Task<Ok<Page<CommissionDto>>> List(Guid? creatorId, string? state, Guid? programId, string? cursor, int? limit, CommissionService s, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await s.ListAsync(HttpActor.From(http), creatorId, state, programId, PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<CommissionActionResult>> Act(CommissionActionRequest body, CommissionService s, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await s.ActAsync(HttpActor.From(http), body, ct));

    private static async Task<Ok<CommissionActionResult>> ApproveDue(CommissionService s, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await s.ApproveDueAsync(HttpActor.From(http), ct));

    private static async Task<Created<CommissionDto>> Manual(ManualCommissionRequest body, CommissionService s, HttpContext http, CancellationToken ct)
    {
        var created = await s.AddManualAsync(HttpActor.From(http), body, ct);
        return TypedResults.Created($"/api/v1/commissions?creatorId={created.CreatorId}", created);
    }

    private static async Task<Ok<IReadOnlyList<PayoutRecordDto>>> ListPayouts(Guid? creatorId, CommissionService s, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await s.ListPayoutsAsync(HttpActor.From(http), creatorId, ct));

    private static async Task<Ok<IReadOnlyList<PayoutRecordDto>>> Pay(PayoutRequest body, CommissionService s, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await s.PayAsync(HttpActor.From(http), body, ct));

    private static async Task<FileContentHttpResult> Export(DateTimeOffset? since, Guid[]? ids, CommissionService s, HttpContext http, CancellationToken ct)
    {
        var file = new MemoryStream();
        await s.ExportPayoutsAsync(HttpActor.From(http), ids, since, file, ct);
        return TypedResults.File(file.ToArray(), "text/csv; charset=utf-8", "payouts.csv");
    }

    private static async Task<IResult> Statement(Guid id, string month, string? format, string? currency, CommissionService s, HttpContext http, CancellationToken ct)
    {
        var kind = (format ?? "json").Trim().ToLowerInvariant();
        if (kind is not ("json" or "csv" or "html"))
            throw new ValidationException("format", "format is json, csv or html.");
        var statement = await s.StatementAsync(HttpActor.From(http), id, month, currency, ct);
        if (kind == "json")
            return TypedResults.Ok(statement);
        if (kind == "html")
            return TypedResults.Content(CommissionService.Html(statement), "text/html; charset=utf-8");
        var file = new MemoryStream();
        await CommissionService.WriteCsvAsync(statement, file, ct);
        return TypedResults.File(file.ToArray(), "text/csv; charset=utf-8", $"statement-{month}.csv");
    }

    private static async Task<Ok<PayoutWebhookDto>> GetWebhook(HttpContext http, CommissionService s, CancellationToken ct) =>
        TypedResults.Ok(await s.GetWebhookAsync(HttpActor.From(http), ct));

    private static async Task<Ok<PayoutWebhookDto>> PutWebhook(PayoutWebhookRequest body, HttpContext http, CommissionService s, CancellationToken ct) =>
        TypedResults.Ok(await s.UpdateWebhookAsync(HttpActor.From(http), body, ct));
}
