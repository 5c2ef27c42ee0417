using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pulse.Platform.Storage;

namespace Pulse.Platform.Alerts;

/// <summary>
/// Posts queued alert notices to each workspace's webhook, signed (<see cref="Webhooks.WebhookSignature"/>), one
/// at a time, with the retries of the <see cref="HttpClientName"/> client. The outcome is written
/// on the alert (<c>LastDelivery</c>) and failures are logged.
/// </summary>
internal sealed partial class AlertDelivery(
    AlertNotifier notifier,
    IServiceScopeFactory scopes,
    IHttpClientFactory clients,
    TimeProvider time,
    ILogger<AlertDelivery> log) : BackgroundService
{
    public const string HttpClientName = "pulse-alert-webhooks";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var notice in notifier.Reader.ReadAllAsync(stoppingToken))
            {
                try
                {
                    await DeliverAsync(notice, stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
                {
                    LogFailed(log, e, notice.AlertId, notice.Type);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task DeliverAsync(AlertNotice notice, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        var alert = await db.Alerts.FirstOrDefaultAsync(a => a.Id == notice.AlertId, ct);
        if (alert is null)
            return;
        var settings = await db.AlertSettings.AsNoTracking().FirstOrDefaultAsync(s => s.WorkspaceId == alert.WorkspaceId, ct);
        string outcome;
        if (settings?.WebhookUrl is not { } url)
        {
            outcome = "no webhook";
        }
        else
        {
            var body = JsonSerializer.SerializeToUtf8Bytes(new AlertWebhookPayload(notice.Type, AlertService.ToDto(alert)), AlertJsonContext.Default.AlertWebhookPayload);
            outcome = await PostAsync(url, settings.Secret, notice, body, ct);
        }
        alert.LastDelivery = $"{notice.Type}: {outcome}";
        alert.LastDeliveryAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
    }

    private async Task<string> PostAsync(string url, string secret, AlertNotice notice, byte[] body, CancellationToken ct)
    {
        var client = clients.CreateClient(HttpClientName);
        try
        {
            // The resilience handler resends this same request, so retries carry the first attempt's
            // timestamp; receivers check it against their tolerance window (minutes, not seconds).
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add(Webhooks.WebhookSignature.Header, Webhooks.WebhookSignature.Sign(body, time.GetUtcNow(), [secret]));
            request.Headers.Add("Pulse-Event", notice.Type);
            request.Headers.Add("Pulse-Delivery", notice.AlertId.ToString() + "/" + notice.Type);
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                LogDelivered(log, notice.Type, notice.AlertId, status);
                return status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
            LogRefused(log, notice.Type, notice.AlertId, status);
            return $"failed: HTTP {status}";
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException && !ct.IsCancellationRequested)
        {
            LogUnreachable(log, notice.Type, notice.AlertId, e.Message);
            return "failed: " + (e.Message.Length > 200 ? e.Message[..200] : e.Message);
        }
    }

    [LoggerMessage(EventId = 1401, Level = LogLevel.Information, Message = "Delivered {Type} of alert {AlertId}: HTTP {Status}")]
    private static partial void LogDelivered(ILogger logger, string type, Guid alertId, int status);

    [LoggerMessage(EventId = 1402, Level = LogLevel.Warning, Message = "Alert webhook refused {Type} of alert {AlertId}: HTTP {Status}")]
    private static partial void LogRefused(ILogger logger, string type, Guid alertId, int status);

    [LoggerMessage(EventId = 1403, Level = LogLevel.Warning, Message = "Alert webhook unreachable for {Type} of alert {AlertId}: {Reason}")]
    private static partial void LogUnreachable(ILogger logger, string type, Guid alertId, string reason);

    [LoggerMessage(EventId = 1404, Level = LogLevel.Error, Message = "Delivering {Type} of alert {AlertId} failed")]
    private static partial void LogFailed(ILogger logger, Exception exception, Guid alertId, string type);
}
