using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pulse.Collect.Log;
using Pulse.Platform.Access;
using Pulse.Platform.Cluster;

namespace Pulse.Influence.Conversions;

/// <summary>
/// Turns <c>Order Completed</c> events on the log (Segment's e-commerce spec: <c>order_id</c>,
/// <c>total</c> or <c>revenue</c> or <c>value</c>, <c>currency</c>, <c>coupon</c>, <c>products</c>)
/// into conversions, once per order: an order the shop also sent by API or webhook is recorded
/// once (the first to arrive wins; a different amount for it is logged and skipped). One node
/// at a time runs it (a singleton job); its checkpoint moves after the conversions are saved, and
/// conversions are idempotent by order id, so a crash replays a batch without counting twice.
/// </summary>
internal sealed partial class OrderEvents(EventLog log, IServiceScopeFactory scopes, ISingletonJobs jobs, ILogger<OrderEvents> logger) : BackgroundService
{
    public const string Consumer = "influence.orders";
    public const string EventName = "Order Completed";
    private const int ReadPositions = 50_000;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await jobs.RunIfDueAsync(Consumer, TimeSpan.FromSeconds(1), DrainAsync, stoppingToken);
                var at = await log.CheckpointAsync(Consumer, stoppingToken);
                using var wait = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                wait.CancelAfter(TimeSpan.FromSeconds(5));
                try
                {
                    await log.WaitForAsync(at, wait.Token);
                }
                catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
                {
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogReadFailed(logger, e);
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>Reads every order event up to the log's head and records it; returns how many orders were new.</summary>
    internal async Task DrainAsync(CancellationToken ct)
    {
        var at = await log.CheckpointAsync(Consumer, ct);
        while (true)
        {
            var (events, head) = await log.ReadNamedAsync(at, ReadPositions, [EventName], ct);
            if (events.Count > 0)
            {
                await using var scope = scopes.CreateAsyncScope();
                var conversions = scope.ServiceProvider.GetRequiredService<ConversionService>();
                foreach (var e in events)
                    await RecordAsync(conversions, e, ct);
            }
            if (head <= at)
                return;
            await log.SaveCheckpointAsync(Consumer, head, ct);
            at = head;
        }
    }

    private async Task RecordAsync(ConversionService conversions, LoggedEvent e, CancellationToken ct)
    {
        ConversionRequest request;
        try
        {
            using var doc = JsonDocument.Parse(e.Raw);
            var p = doc.RootElement.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object ? props : default;
            if (p.ValueKind != JsonValueKind.Object || Text(p, "order_id") is not { } orderId)
                return;
            var amount = Number(p, "total") ?? Number(p, "revenue") ?? Number(p, "value") ?? 0;
            List<ItemDto>? items = null;
            if (p.TryGetProperty("products", out var products) && products.ValueKind == JsonValueKind.Array)
            {
                items = products.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object).Take(ConversionService.MaxItems)
                    .Select(x => new ItemDto(Text(x, "sku") ?? Text(x, "product_id"), Text(x, "name"), Text(x, "category"),
                        Number(x, "quantity") is { } q ? (int)Math.Clamp(q, 0, 1_000_000) : null, Number(x, "price") is { } pr and >= 0 ? pr : null)).ToList();
            }
            string? email = null;
            if (doc.RootElement.TryGetProperty("context", out var context) && context.ValueKind == JsonValueKind.Object
                && context.TryGetProperty("traits", out var traits) && traits.ValueKind == JsonValueKind.Object)
                email = Text(traits, "email");
            request = new ConversionRequest(orderId, amount, Text(p, "currency"), "sale", e.UserId, email, items,
                Text(p, "coupon"), Text(p, "pclid") ?? Text(p, "click_id"), e.Timestamp, e.AnonymousId, e.Enrichment.Country, e.Enrichment.Ip);
        }
        catch (JsonException)
        {
            return;
        }
        var actor = new Actor(ActorKinds.System, "order-events", "system:order-events", e.WorkspaceId, WorkspaceRole.Owner);
        try
        {
            await conversions.RecordAsync(actor, request, "event", ct);
        }
        catch (Exception ex) when (ex is ValidationException or ConflictException)
        {
            LogNotRecorded(logger, e.MessageId, request.OrderId,
                ex is ValidationException v ? string.Join("; ", v.Errors.Select(x => $"{x.Key}: {string.Join(" ", x.Value)}")) : ex.Message);
        }
    }

    private static string? Text(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    private static decimal? Number(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v))
            return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d))
            return decimal.Round(d, 4);
        return v.ValueKind == JsonValueKind.String && decimal.TryParse(v.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var s) ? decimal.Round(s, 4) : null;
    }

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Reading orders from the log failed; trying again")]
    private static partial void LogReadFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4007, Level = LogLevel.Warning, Message = "Order Completed {MessageId} (order {OrderId}) was not recorded: {Reason}")]
    private static partial void LogNotRecorded(ILogger logger, string messageId, string? orderId, string reason);
}
