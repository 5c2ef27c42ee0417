using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Storage;
using Pulse.Platform.Privacy;
using Pulse.Platform.Webhooks;

namespace Pulse.Destinations.Delivery;

/// <summary>
/// The Destinations module's part of a data-subject request. Export: the person's dead letters and
/// the erasure notices sent about them. Erasure: their dead letters are deleted, and every enabled
/// destination of the workspace is asked to delete what it holds where the platform allows it: a
/// webhook receives a signed <c>{"type":"delete", "userIds", "anonymousIds"}</c> message (as
/// Segment's regulation API forwards deletions); for Meta, TikTok and LinkedIn, whose conversion APIs
/// document no deletion, and GA4, whose User Deletion API needs Google OAuth credentials, the outcome
/// is recorded as unsupported so the operator knows to act in the platform's own tools. Events not
/// yet sent are not sent: the erasure removes them from the log the destinations read.
/// </summary>
internal sealed class DestinationsSubjectStep(
    DestinationsDbContext db, DeliveryClients clients, IDataProtectionProvider protection, IOptions<DestinationsOptions> options, TimeProvider time) : IDataSubjectStep
{
    public string Name => "destinations";

    public async Task ExportAsync(DataSubject subject, Utf8JsonWriter writer, CancellationToken ct)
    {
        var dead = await DeadLetters(subject).AsNoTracking().OrderBy(d => d.Id).ToListAsync(ct);
        var names = await db.Destinations.AsNoTracking().Where(d => d.WorkspaceId == subject.WorkspaceId).ToDictionaryAsync(d => d.Id, d => d.Name, ct);
        writer.WriteStartObject();
        writer.WriteStartArray("deadLetters");
        foreach (var d in dead)
        {
            writer.WriteStartObject();
            writer.WriteString("destination", names.GetValueOrDefault(d.DestinationId, d.DestinationId.ToString()));
            writer.WriteString("messageId", d.MessageId);
            writer.WriteString("event", d.Event);
            writer.WriteString("reason", d.Reason);
            writer.WriteString("deadAt", d.DeadAt);
            writer.WriteEndObject();
        }
        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    public async Task<long> EraseAsync(DataSubject subject, CancellationToken ct)
    {
        await DeadLetters(subject).ExecuteDeleteAsync(ct);
        var now = time.GetUtcNow();
        var protector = protection.CreateProtector(DestinationService.SecretsPurpose);
        var told = 0L;
        foreach (var row in await db.Destinations.AsNoTracking().Where(d => d.WorkspaceId == subject.WorkspaceId && d.Enabled).ToListAsync(ct))
        {
            var record = new DestinationErasure
            {
                Id = Guid.CreateVersion7(now), WorkspaceId = subject.WorkspaceId, DestinationId = row.Id, DestinationName = row.Name, Type = row.Type, At = now,
                Ids = subject.AllIds.Count, Outcome = "unsupported", Message = "",
            };
            var (settings, signing, problem) = DestinationService.Load(row, protector, clients.Targets.AllowPrivate);
            switch (settings?.Type)
            {
                case Mapping.DestinationType.Webhook:
                    await NotifyAsync(settings, signing(now), subject, record, now, ct);
                    if (record.Outcome == "sent")
                        told++;
                    break;
                case Mapping.DestinationType.Ga4:
                    record.Message = "GA4 deletes a user through its User Deletion API, which needs Google OAuth credentials this destination does not hold; delete the user in GA4 (Admin ▸ Data deletion requests).";
                    break;
                case null:
                    record.Message = "The saved config no longer passes its checks: " + problem;
                    break;
                default:
                    record.Message = $"The {row.Type} conversions API documents no deletion of events already sent; the platform keeps them under its own retention.";
                    break;
            }
            db.Erasures.Add(record);
        }
        await db.SaveChangesAsync(ct);
        return told;
    }

    private IQueryable<DeadLetter> DeadLetters(DataSubject subject)
    {
        var users = subject.UserIds.ToList();
        var anons = subject.AnonymousIds.ToList();
        return db.DeadLetters.Where(d => d.WorkspaceId == subject.WorkspaceId
            && ((d.UserId != null && users.Contains(d.UserId)) || (d.AnonymousId != null && anons.Contains(d.AnonymousId))));
    }

    private async Task NotifyAsync(DestinationSettings settings, IReadOnlyList<string> secrets, DataSubject subject, DestinationErasure record, DateTimeOffset now, CancellationToken ct)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("type", "delete");
            w.WriteString("messageId", "pulse-erase-" + record.Id.ToString("N"));
            w.WriteStartArray("userIds");
            foreach (var id in subject.UserIds)
                w.WriteStringValue(id);
            w.WriteEndArray();
            w.WriteStartArray("anonymousIds");
            foreach (var id in subject.AnonymousIds)
                w.WriteStringValue(id);
            w.WriteEndArray();
            w.WriteString("requestedAt", now);
            w.WriteEndObject();
        }
        using var request = new HttpRequestMessage(HttpMethod.Post, settings.Endpoint) { Content = new ReadOnlyMemoryContent(buffer.WrittenMemory) };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        foreach (var (name, value) in settings.Headers)
            request.Headers.TryAddWithoutValidation(name, value);
        request.Headers.TryAddWithoutValidation("Idempotency-Key", "pulse-erase-" + record.Id.ToString("N"));
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(buffer.WrittenSpan, now, secrets));
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.RequestTimeout);
        try
        {
            using var response = await clients.Client.SendAsync(request, timeout.Token);
            record.Status = (int)response.StatusCode;
            record.Outcome = response.IsSuccessStatusCode ? "sent" : "failed";
            record.Message = response.IsSuccessStatusCode ? "The receiver acknowledged the delete message." : $"The receiver answered HTTP {(int)response.StatusCode}.";
        }
        catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !ct.IsCancellationRequested))
        {
            record.Outcome = "failed";
            record.Message = e is HttpRequestException ? "Could not reach the receiver: " + e.Message : "No answer within the request time-out.";
        }
    }
}
