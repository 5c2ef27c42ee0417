using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Polly;
using Pulse.Collect.Log;
using Pulse.Collect.Profiles;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Connectors;

namespace Pulse.Destinations.Delivery;

/// <summary>Sending one batch through the pipeline: the attempt with consent and fields as they are now, dead letters, the delivery log.</summary>
internal sealed partial class DestinationWorker
{
    private async Task<ChunkResult> SendChunkAsync(Chunk chunk, CancellationToken ct)
    {
        if (chunk.Items.Count == 0)
            return new ChunkResult([], 0);
        _open[chunk] = 0;
        await _slots.WaitAsync(ct);
        try
        {
            var context = ResilienceContextPool.Shared.Get(ct);
            context.Properties.Set(ChunkKey, chunk);
            Outcome<SendResult> outcome;
            try
            {
                outcome = await _pipeline.ExecuteOutcomeAsync(
                    static async (c, state) =>
                    {
                        try
                        {
                            return Outcome.FromResult(await state.Worker.AttemptAsync(state.Chunk, c.CancellationToken));
                        }
                        catch (Exception e)
                        {
                            return Outcome.FromException<SendResult>(e);
                        }
                    }, context, (Worker: this, Chunk: chunk));
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
            ct.ThrowIfCancellationRequested();
            var dead = chunk.DeadLettered;
            if (outcome.Result is { Outcome: DeliveryOutcome.Delivered } ok)
            {
                if (ok.Events.Count > 0)
                {
                    _metrics.Sent(this, ok.Events.Count);
                    LastDeliveredAt = _time.GetUtcNow();
                }
                return new ChunkResult(ok.Events.Select(e => e.Seq).ToList(), dead);
            }
            // Refused for good, or still failing when the retry period ended: the events go to the dead-letter store.
            var events = outcome.Result?.Events ?? chunk.Items.Select(i => i.Event).Where(e => !chunk.Finished.Contains(e.Seq)).ToList();
            var reason = outcome.Result is { Outcome: DeliveryOutcome.Rejected } r
                ? $"Refused by the destination: {r.Message}"
                : $"Still failing after {_options.RetryFor.TotalHours:0.#} h of retries: {outcome.Result?.Message ?? outcome.Exception?.Message}";
            await DeadLetterAsync(chunk, events, reason, outcome.Result?.Status, outcome.Result?.Response, ct);
            return new ChunkResult([], dead + events.Count);
        }
        finally
        {
            _slots.Release();
            _open.TryRemove(chunk, out _);
        }
    }

    private async Task DeadLetterAsync(Chunk chunk, IReadOnlyList<LoggedEvent> events, string reason, int? status, string? response, CancellationToken ct)
    {
        if (events.Count == 0)
            return;
        var targets = chunk.Items.ToDictionary(i => i.Event.Seq, i => i.Target);
        await _store.DeadLetterAsync(_row, events.Select(e => (e, targets.GetValueOrDefault(e.Seq), reason)).ToList(), status, response, _time.GetUtcNow(), ct);
        foreach (var e in events)
        {
            if (chunk.Finished.Add(e.Seq))
                chunk.DeadLettered++;
        }
        _metrics.DeadLettered(this, events.Count);
    }

    /// <summary>One request for what of the batch is still to be sent, with the people's consent and fields as they are now.</summary>
    private async Task<SendResult> AttemptAsync(Chunk chunk, CancellationToken ct)
    {
        chunk.Attempts++;
        var now = _time.GetUtcNow();
        var items = chunk.Items.Where(i => !chunk.Finished.Contains(i.Event.Seq)).ToList();
        if (items.Count == 0)
            return SendResult.Nothing;
        Func<string?, string?, Collect.Profiles.ConsentState> consentOf;
        Func<string?, string?, IReadOnlyDictionary<string, JsonElement>> traitsOf;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            var profiles = scope.ServiceProvider.GetRequiredService<ProfileService>();
            if (_pii.Count == 0)
            {
                // Consent only: kept between batches while no profile write could have changed it.
                consentOf = await _consent.ResolveAsync(profiles, _row.WorkspaceId, items.Select(i => i.Event), ct);
                traitsOf = static (_, _) => NoTraits;
            }
            else
            {
                var people = await profiles.PeopleAsync(_row.WorkspaceId,
                    items.Where(i => i.Event.UserId is not null).Select(i => i.Event.UserId!).ToList(),
                    items.Where(i => i.Event.AnonymousId is not null).Select(i => i.Event.AnonymousId!).ToList(), traits: true, ct);
                consentOf = people.Consent;
                traitsOf = people.Traits;
            }
        }
        var docs = new List<JsonDocument>(items.Count);
        try
        {
            var outgoing = new List<OutgoingEvent>(items.Count);
            var invalid = new List<(LoggedEvent, string)>();
            var refused = 0;
            foreach (var item in items)
            {
                var e = item.Event;
                // Consent as it is now: someone who opted out after the event was queued is not sent.
                if (!consentOf(e.UserId, e.AnonymousId).Allows(_settings.ConsentCategories, _settings.ConsentMatch == ConsentMatch.All))
                {
                    chunk.Finished.Add(e.Seq);
                    refused++;
                    continue;
                }
                OutgoingEvent o;
                if (_connector.ReadsMessage)
                {
                    var doc = JsonDocument.Parse(e.Raw);
                    docs.Add(doc);
                    o = new OutgoingEvent(e, item.Target, doc.RootElement, PersonFields.From(e, doc.RootElement, traitsOf(e.UserId, e.AnonymousId), _pii));
                }
                else
                {
                    o = new OutgoingEvent(e, item.Target, default, PersonFields.None);
                }
                if (_connector.Problem(_settings, o, now) is { } problem)
                    invalid.Add((e, problem));
                else
                    outgoing.Add(o);
            }
            if (refused > 0)
                _metrics.Skipped(this, refused);
            foreach (var group in invalid.GroupBy(i => i.Item2))
                await DeadLetterAsync(chunk, group.Select(g => g.Item1).ToList(), "Not sent: " + group.Key, null, null, ct);
            if (outgoing.Count == 0)
                return SendResult.Nothing;
            var sent = outgoing.Select(o => o.Event).ToList();
            var started = _time.GetTimestamp();
            Answer answer;
            try
            {
                answer = await Sender.SendAsync(_http, _connector, _settings, outgoing, now, _signing(now), ct);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                // The pipeline's time-out cancelled the request.
                Record(chunk, sent, new Verdict(DeliveryOutcome.Failed, $"No answer within {_options.RequestTimeout.TotalSeconds:0.#} s."), null, null, started);
                throw;
            }
            var (verdict, status, body, retryAfter) = answer;
            Record(chunk, sent, verdict, status, body, started);
            return new SendResult(verdict.Outcome, status, verdict.Message, body is null ? null : Connector.Excerpt(body, Answer.MaxText), retryAfter, sent);
        }
        finally
        {
            foreach (var d in docs)
                d.Dispose();
        }
    }

    private void Record(Chunk chunk, IReadOnlyList<LoggedEvent> sent, Verdict verdict, int? status, string? body, long started)
    {
        var now = _time.GetUtcNow();
        _metrics.Request(this, verdict.Outcome);
        Interlocked.Increment(ref _requests);
        if (verdict.Outcome != DeliveryOutcome.Delivered)
            Interlocked.Increment(ref _failures);
        if (verdict.Outcome != DeliveryOutcome.Delivered)
        {
            SetError(verdict.Message);
            if (verdict.Outcome == DeliveryOutcome.Failed)
                chunk.FirstFailure ??= _restoredFailingSince ?? now;
        }
        _store.Record(new DeliveryAttempt
        {
            Id = Guid.CreateVersion7(now),
            DestinationId = _row.Id,
            WorkspaceId = _row.WorkspaceId,
            At = now,
            Kind = chunk.Kind,
            Attempt = chunk.Attempts,
            Events = sent.Count,
            FirstSeq = sent[0].Seq,
            LastSeq = sent[^1].Seq,
            Seqs = SeqList.Encode(sent.Select(e => e.Seq).ToList()),
            Outcome = verdict.Outcome,
            Status = status,
            LatencyMs = (int)Math.Min(int.MaxValue, _time.GetElapsedTime(started).TotalMilliseconds),
            Response = Answer.Text(verdict, body),
        });
    }
}
