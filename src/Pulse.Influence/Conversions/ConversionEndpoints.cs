using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Pulse.Influence.Codes;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;

namespace Pulse.Influence.Conversions;

public static class ConversionEndpoints
{
    public static IEndpointRouteBuilder MapConversions(this IEndpointRouteBuilder api)
    {
        var codes = api.MapGroup("/codes").WithTags("Discount codes");
        codes.MapGet("/", ListCodes).RequirePermission(Permission.InfluenceRead).WithSummary("Discount codes with their uses and revenue; creatorId= filters.");
        codes.MapGet("/{id:guid}", GetCode).RequirePermission(Permission.InfluenceRead).WithSummary("One discount code with its uses and revenue.");
        codes.MapPost("/", CreateCode).RequirePermission(Permission.InfluenceManage)
            .WithSummary("Creates a code {code, creatorId?, campaign?, maxUses? (1: single use), validFrom?, validTo?, enabled?, discount?}.");
        codes.MapPatch("/{id:guid}", UpdateCode).RequirePermission(Permission.InfluenceManage).WithSummary("Changes a code (not its text).");
        codes.MapDelete("/{id:guid}", DeleteCode).RequirePermission(Permission.InfluenceManage).WithSummary("Deletes a code; sales that used it keep it.");

        var group = api.MapGroup("/conversions").WithTags("Conversions");
        group.MapPost("/", Record).RequirePermission(Permission.InfluenceManage)
            .WithSummary("Records a lead or sale {orderId, amount, currency, type?, customerId?, email?, items?, code?, clickId?, occurredAt?}: 201 the first time, "
                + "200 with the same record for the same order again, 409 when the same order id comes with another amount.");
        group.MapGet("/", List).RequirePermission(Permission.InfluenceRead).WithSummary("Conversions, newest first; creatorId=, code= filter.");
        group.MapGet("/{orderId}", Get).RequirePermission(Permission.InfluenceRead).WithSummary("One conversion by its order id.");
        group.MapPost("/{orderId}/refunds", Refund).RequirePermission(Permission.InfluenceManage)
            .WithSummary("Refunds part or all of an order {amount?, refundId?, reason?}; the same refundId again changes nothing; commissions on it are reversed.");
        group.MapPost("/{orderId}/cancel", Cancel).RequirePermission(Permission.InfluenceManage).WithSummary("Cancels an order: nothing of it counts.");
        return api;
    }

    private static async Task<Ok<Page<CodeDto>>> ListCodes(Guid? creatorId, string? cursor, int? limit, HttpContext http, CodeService codes, CancellationToken ct) =>
        TypedResults.Ok(await codes.ListAsync(HttpActor.From(http), creatorId, PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<CodeDto>> GetCode(Guid id, HttpContext http, CodeService codes, CancellationToken ct) =>
        TypedResults.Ok(await codes.GetAsync(HttpActor.From(http), id, ct));

    private static async Task<Created<CodeDto>> CreateCode(CreateCodeRequest body, HttpContext http, CodeService codes, CancellationToken ct)
    {
        var created = await codes.CreateAsync(HttpActor.From(http), body, ct);
        return TypedResults.Created($"/api/v1/codes/{created.Id}", created);
    }

    private static async Task<Ok<CodeDto>> UpdateCode(Guid id, UpdateCodeRequest body, HttpContext http, CodeService codes, CancellationToken ct) =>
        TypedResults.Ok(await codes.UpdateAsync(HttpActor.From(http), id, body, ct));

    private static async Task<NoContent> DeleteCode(Guid id, HttpContext http, CodeService codes, CancellationToken ct)
    {
        await codes.DeleteAsync(HttpActor.From(http), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Created<ConversionDto>, Ok<ConversionDto>>> Record(ConversionRequest body, HttpContext http, ConversionService conversions, CancellationToken ct)
    {
        var (conversion, created) = await conversions.RecordAsync(HttpActor.From(http), body, "api", ct);
        return created ? TypedResults.Created($"/api/v1/conversions/{Uri.EscapeDataString(conversion.OrderId)}", conversion) : TypedResults.Ok(conversion);
    }

    private static async Task<Ok<Page<ConversionDto>>> List(Guid? creatorId, string? code, string? cursor, int? limit, HttpContext http, ConversionService conversions, CancellationToken ct) =>
        TypedResults.Ok(await conversions.ListAsync(HttpActor.From(http), creatorId, code, PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<ConversionDto>> Get(string orderId, HttpContext http, ConversionService conversions, CancellationToken ct) =>
        TypedResults.Ok(await conversions.GetAsync(HttpActor.From(http), orderId, ct));

    private static async Task<Ok<ConversionDto>> Refund(string orderId, RefundRequest? body, HttpContext http, ConversionService conversions, CancellationToken ct) =>
        TypedResults.Ok(await conversions.RefundAsync(HttpActor.From(http), orderId, body ?? new RefundRequest(), cancel: false, ct));

    private static async Task<Ok<ConversionDto>> Cancel(string orderId, HttpContext http, ConversionService conversions, CancellationToken ct) =>
        TypedResults.Ok(await conversions.RefundAsync(HttpActor.From(http), orderId, new RefundRequest(Reason: "cancelled"), cancel: true, ct));
}
