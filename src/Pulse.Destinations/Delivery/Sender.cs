using System.Net.Http.Headers;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Connectors;

namespace Pulse.Destinations.Delivery;

/// <summary>The answer to one request: the verdict, the HTTP status (null when none came), the body read (at most 64 KB) and a Retry-After.</summary>
internal sealed record Answer(Verdict Verdict, int? Status, string? Body, TimeSpan? RetryAfter)
{
    public const int MaxText = 2000;

    /// <summary>
    /// What the delivery log (and the test action) shows of an answer: the body when delivered;
    /// otherwise the verdict's message with the body after it, unless the message already quotes it.
    /// </summary>
    public static string? Text(Verdict verdict, string? body)
    {
        if (verdict.Outcome == DeliveryOutcome.Delivered || verdict.Message is null)
            return body is null ? null : Connector.Excerpt(body, MaxText);
        return Connector.Excerpt(body is { Length: > 0 } b && !verdict.Message.Contains(b, StringComparison.Ordinal) ? $"{verdict.Message} — {b}" : verdict.Message, MaxText);
    }
}

/// <summary>Sends one request built by a connector and reads the answer; network failures become a failed verdict that names them.</summary>
internal static class Sender
{
    public static async Task<Answer> SendAsync(HttpClient http, Connector connector, DestinationSettings settings, IReadOnlyList<OutgoingEvent> events,
        DateTimeOffset now, IReadOnlyList<string> signingSecrets, CancellationToken ct, bool test = false)
    {
        using var request = test ? connector.BuildTest(settings, events, now, signingSecrets) : connector.Build(settings, events, now, signingSecrets);
        request.Headers.UserAgent.Add(new ProductInfoHeaderValue("Pulse-Destinations", "1"));
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            var body = await ReadBodyAsync(response, ct);
            var retryAfter = response.Headers.RetryAfter switch
            {
                { Delta: { } d } => d,
                { Date: { } at } => at - now,
                _ => (TimeSpan?)null,
            };
            return new Answer(test ? connector.ClassifyTest(response.StatusCode, body) : connector.Classify(response.StatusCode, body), (int)response.StatusCode, body, retryAfter);
        }
        catch (HttpRequestException e)
        {
            return new Answer(new Verdict(DeliveryOutcome.Failed, e.InnerException is { } inner ? $"{e.Message} ({inner.Message})" : e.Message), null, null, null);
        }
    }

    private static async Task<string> ReadBodyAsync(HttpResponseMessage response, CancellationToken ct)
    {
        // At most 64 KB of an answer is kept; a destination cannot make Pulse read an endless body.
        var buffer = new byte[64 * 1024];
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        var n = 0;
        int read;
        while (n < buffer.Length && (read = await stream.ReadAsync(buffer.AsMemory(n), ct)) > 0)
            n += read;
        return System.Text.Encoding.UTF8.GetString(buffer, 0, n);
    }
}
