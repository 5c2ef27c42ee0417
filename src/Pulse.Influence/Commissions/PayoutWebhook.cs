using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pulse.Influence.Creators;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Cluster;
using Pulse.Platform.Webhooks;

namespace Pulse.Influence.Commissions;

/// <summary>Where a workspace's payouts are announced, and the secret that signs them.</summary>
internal sealed class PayoutWebhookSettings
{
    public Guid WorkspaceId { get; set; }
    public string? Url { get; set; }
    public required string Secret { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }
}

/// <summary>A payout to announce (an outbox row written with the payout, so none is lost); the body is made when it is sent.</summary>
internal sealed class PayoutDelivery
{
    public long Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid PayoutId { get; set; }
    public int Attempts { get; set; }
    public DateTimeOffset NextAt { get; set; }
    public DateTimeOffset? DeliveredAt { get; set; }
    public string? LastOutcome { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <param name="Url">Where payouts are posted; null: none.</param>
/// <param name="Secret">Signs each post (<c>Pulse-Signature</c>, as the alert and destination webhooks).</param>
public sealed record PayoutWebhookDto(string? Url, string Secret, DateTimeOffset? UpdatedAt, string? UpdatedBy, IReadOnlyList<PayoutDeliveryDto> Recent);

public sealed record PayoutDeliveryDto(Guid PayoutId, int Attempts, DateTimeOffset? DeliveredAt, DateTimeOffset? NextAt, string? LastOutcome);

/// <param name="Url">"" removes the webhook.</param>
public sealed record PayoutWebhookRequest(string? Url = null, bool? RotateSecret = null);

/// <summary>What a payout webhook receives: <c>payout.created</c> with the payout and where the money goes.</summary>
public sealed record PayoutWebhookPayload(string Type, Guid Id, Guid WorkspaceId, Guid CreatorId, string CreatorName, string? Email, decimal Amount, string Currency,
    int Commissions, string? Reference, DateTimeOffset CreatedAt, string? Method, string? Account, string? Holder);

[JsonSerializable(typeof(PayoutWebhookPayload))]
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
internal sealed partial class PayoutWebhookJson : JsonSerializerContext;

public sealed partial class CommissionService
{
    public async Task<PayoutWebhookDto> GetWebhookAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.PayoutsManage);
        var row = await _db.PayoutWebhooks.AsNoTracking().FirstOrDefaultAsync(s => s.WorkspaceId == actor.WorkspaceId, ct);
        // The secret is made once and kept, so a receiver can be set up before the address is saved.
        return row is null ? await UpdateWebhookAsync(actor, new PayoutWebhookRequest(), ct) : await WebhookDtoAsync(row, ct);
    }

    public async Task<PayoutWebhookDto> UpdateWebhookAsync(Actor actor, PayoutWebhookRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.PayoutsManage);
        string? url = null;
        if (request.Url is { } given && given.Trim() is { Length: > 0 } v)
        {
            if (v.Length > 2000)
                throw new ValidationException("url", "url is at most 2000 characters.");
            if (_targets?.Problem(v) is { } problem)
                throw new ValidationException("url", problem);
            url = new Uri(v).AbsoluteUri;
        }
        var row = await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.PayoutWebhooks.FirstOrDefaultAsync(s => s.WorkspaceId == actor.WorkspaceId, c);
            var records = new List<AuditRecord>();
            if (row is null)
            {
                row = new PayoutWebhookSettings { WorkspaceId = actor.WorkspaceId, Secret = WebhookSignature.NewSecret(), UpdatedBy = actor.Name, UpdatedAt = _time.GetUtcNow() };
                _db.PayoutWebhooks.Add(row);
                records.Add(new AuditRecord("payout_webhook.secret_created", "workspace", actor.WorkspaceId.ToString()));
            }
            else if (request.RotateSecret == true)
            {
                row.Secret = WebhookSignature.NewSecret();
                records.Add(new AuditRecord("payout_webhook.secret_rotated", "workspace", actor.WorkspaceId.ToString()));
            }
            if (request.Url is not null && url != row.Url)
            {
                records.Add(new AuditRecord("payout_webhook.changed", "workspace", actor.WorkspaceId.ToString(), AuditSummary.Of(new { url = row.Url }), AuditSummary.Of(new { url })));
                row.Url = url;
            }
            if (records.Count > 0)
                (row.UpdatedAt, row.UpdatedBy) = (_time.GetUtcNow(), actor.Name);
            return (row, (IReadOnlyList<AuditRecord>)records);
        }, ct);
        return await WebhookDtoAsync(row, ct);
    }

    private async Task<PayoutWebhookDto> WebhookDtoAsync(PayoutWebhookSettings row, CancellationToken ct)
    {
        var recent = await _db.PayoutDeliveries.AsNoTracking().Where(d => d.WorkspaceId == row.WorkspaceId).OrderByDescending(d => d.Id).Take(20)
            .Select(d => new PayoutDeliveryDto(d.PayoutId, d.Attempts, d.DeliveredAt, d.DeliveredAt == null ? d.NextAt : null, d.LastOutcome)).ToListAsync(ct);
        return new PayoutWebhookDto(row.Url, row.Secret, row.UpdatedAt, row.UpdatedBy, recent);
    }

    /// <summary>Queues the payouts' announcements in the payout's own transaction, when the workspace has a webhook.</summary>
    private async Task QueuePayoutWebhooksAsync(Guid workspace, IReadOnlyList<Payout> payouts, DateTimeOffset now, CancellationToken ct)
    {
        if (payouts.Count == 0 || !await _db.PayoutWebhooks.AnyAsync(s => s.WorkspaceId == workspace && s.Url != null, ct))
            return;
        foreach (var p in payouts)
            _db.PayoutDeliveries.Add(new PayoutDelivery { WorkspaceId = workspace, PayoutId = p.Id, NextAt = now, CreatedAt = now });
    }

    /// <summary>The announcement of one payout, with the creator's payout account in clear (the receiver makes the transfer).</summary>
    internal async Task<(string Url, string Secret, byte[] Body)?> WebhookBodyAsync(PayoutDelivery d, CancellationToken ct)
    {
        var settings = await _db.PayoutWebhooks.AsNoTracking().FirstOrDefaultAsync(s => s.WorkspaceId == d.WorkspaceId, ct);
        var payout = await _db.Payouts.AsNoTracking().FirstOrDefaultAsync(p => p.Id == d.PayoutId, ct);
        if (settings?.Url is not { } url || payout is null)
            return null;
        var creator = await _db.Creators.AsNoTracking().FirstAsync(c => c.Id == payout.CreatorId, ct);
        var secret = creator.PayoutSecret is { } text ? JsonSerializer.Deserialize(_payouts.Unprotect(text), InfluenceStoreJson.Default.PayoutSecret) : null;
        var body = JsonSerializer.SerializeToUtf8Bytes(new PayoutWebhookPayload("payout.created", payout.Id, payout.WorkspaceId, creator.Id, creator.Name, creator.Email,
            payout.Amount, payout.Currency, payout.Commissions, payout.Reference, payout.CreatedAt,
            creator.PayoutMethod is { } m ? CreatorInput.PayoutName(m) : null, secret?.Account, secret?.Holder), PayoutWebhookJson.Default.PayoutWebhookPayload);
        return (url, settings.Secret, body);
    }
}

/// <summary>
/// Posts queued payout announcements, signed, on one node; a failure is tried again later (a
/// minute, then doubling up to six hours, at most <see cref="MaxAttempts"/> times). Each post
/// carries <c>Pulse-Delivery</c> (the payout id), so a receiver can ignore a repeat.
/// </summary>
internal sealed partial class PayoutWebhookDelivery(IServiceScopeFactory scopes, ISingletonJobs jobs, IHttpClientFactory clients, TimeProvider time,
    ILogger<PayoutWebhookDelivery> log) : SingletonJobService(jobs, time)
{
    public const string Job = "influence.payout-webhooks";
    public const string HttpClientName = "pulse-payout-webhooks";
    public const int MaxAttempts = 12;
    private readonly SemaphoreSlim _gate = new(1, 1);

    protected override string JobName => Job;

    protected override TimeSpan Every => TimeSpan.FromSeconds(5);

    protected override Task RunJobAsync(CancellationToken ct) => RunAsync(ct);

    protected override void OnFailed(Exception exception) => LogFailed(log, exception);

    internal async Task RunAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<InfluenceDbContext>();
            var service = scope.ServiceProvider.GetRequiredService<CommissionService>();
            var now = Time.GetUtcNow();
            var due = await db.PayoutDeliveries.Where(d => d.DeliveredAt == null && d.NextAt <= now && d.Attempts < MaxAttempts).OrderBy(d => d.Id).Take(100).ToListAsync(ct);
            foreach (var d in due)
            {
                var message = await service.WebhookBodyAsync(d, ct);
                d.Attempts++;
                if (message is not { } m)
                {
                    (d.DeliveredAt, d.LastOutcome) = (null, "no webhook or payout");
                    d.Attempts = MaxAttempts;
                    continue;
                }
                var (ok, outcome) = await PostAsync(m.Url, m.Secret, d.PayoutId, m.Body, ct);
                d.LastOutcome = outcome;
                if (ok)
                    d.DeliveredAt = Time.GetUtcNow();
                else
                    d.NextAt = Time.GetUtcNow().Add(TimeSpan.FromMinutes(Math.Min(360, Math.Pow(2, d.Attempts - 1))));
                await db.SaveChangesAsync(ct);
            }
            await db.SaveChangesAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<(bool Ok, string Outcome)> PostAsync(string url, string secret, Guid payoutId, byte[] body, CancellationToken ct)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
            request.Headers.Add(WebhookSignature.Header, WebhookSignature.Sign(body, Time.GetUtcNow(), [secret]));
            request.Headers.Add("Pulse-Event", "payout.created");
            request.Headers.Add("Pulse-Delivery", payoutId.ToString());
            using var response = await clients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var status = ((int)response.StatusCode).ToString(CultureInfo.InvariantCulture);
            if (response.IsSuccessStatusCode)
                return (true, "HTTP " + status);
            LogRefused(log, payoutId, status);
            return (false, "HTTP " + status);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or Polly.Timeout.TimeoutRejectedException && !ct.IsCancellationRequested)
        {
            LogRefused(log, payoutId, e.Message);
            return (false, e.Message.Length > 200 ? e.Message[..200] : e.Message);
        }
    }

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 4012, Level = LogLevel.Warning, Message = "The payout webhook did not take payout {PayoutId}: {Outcome}; it is tried again later")]
    private static partial void LogRefused(ILogger logger, Guid payoutId, string outcome);

    [LoggerMessage(EventId = 4013, Level = LogLevel.Warning, Message = "Posting payout webhooks failed; trying again in five seconds")]
    private static partial void LogFailed(ILogger logger, Exception exception);
}
