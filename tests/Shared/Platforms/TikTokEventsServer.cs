using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Pulse.Tests.Shared.Platforms;

/// <summary>
/// A local TikTok Events API 2.0 (<c>POST /open_api/v1.3/event/track/</c>) enforcing what
/// docs/destinations-platforms.md, section 2, records: the bare token in <c>Access-Token</c>,
/// <c>event_source</c> web with the pixel code, at most 1,000 events each with a name, a time in
/// seconds and an id; e-mail, phone and external id SHA-256 hashed, while ttclid, IP and user agent
/// are plain. It answers as the Business API does: HTTP 200 with <c>code</c> 0, or a non-zero code
/// (40105 bad token, 40002 bad parameters); queued failures answer 40100 (throttled) or HTTP 5xx.
/// </summary>
public sealed class TikTokEventsServer : StandInServer
{
    public const int MaxEvents = 1000;

    private TikTokEventsServer(string pixelCode, string accessToken)
    {
        PixelCode = pixelCode;
        AccessToken = accessToken;
    }

    public string PixelCode { get; }
    public string AccessToken { get; }

    public IReadOnlyList<JsonObject> Events => Accepted.SelectMany(r => r["data"]!.AsArray().Select(e => e!.AsObject())).ToList();

    public static async Task<TikTokEventsServer> StartAsync(string pixelCode = "C4TESTPIXEL0001", string accessToken = "tt-token")
    {
        var server = new TikTokEventsServer(pixelCode, accessToken);
        await server.StartAsync(app => app.MapPost("/open_api/v1.3/event/track/", server.HandleAsync));
        return server;
    }

    private async Task HandleAsync(HttpContext http)
    {
        // TikTok signals throttling in the envelope, with HTTP 200.
        if (await FailIfDueAsync(http, s => s == HttpStatusCode.TooManyRequests
                ? (200, Envelope(40100, "Too many requests. Please retry in some time."))
                : ((int)s, Envelope(50000, "Internal service error."))))
            return;
        if (http.Request.Headers["Access-Token"].ToString() != AccessToken)
        {
            await RefuseAsync(http, 200, Envelope(40105, "The access token is incorrect or has been revoked."));
            return;
        }
        var body = await ReadJsonAsync(http);
        if (Problem(body) is { } problem)
        {
            await RefuseAsync(http, 200, Envelope(40002, problem));
            return;
        }
        Accept(body!);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(Envelope(0, "OK"));
    }

    private string? Problem(JsonObject? body)
    {
        if (body is null)
            return "The request body must be JSON.";
        if (Text(body, "event_source") != "web")
            return "event_source must be web.";
        if (Text(body, "event_source_id") != PixelCode)
            return $"event_source_id must be the pixel code {PixelCode}.";
        if (body["data"] is not JsonArray data || data.Count is 0 or > MaxEvents)
            return $"data must hold 1 to {MaxEvents} events.";
        for (var i = 0; i < data.Count; i++)
        {
            if (data[i] is not JsonObject e)
                return $"data[{i}] must be an object.";
            if (Text(e, "event") is not { Length: > 0 })
                return $"data[{i}].event is required.";
            if (e["event_time"] is not JsonValue t || t.GetValueKind() != JsonValueKind.Number || t.GetValue<long>() > 100_000_000_000)
                return $"data[{i}].event_time must be a Unix time in seconds.";
            if (Text(e, "event_id") is not { Length: > 0 })
                return $"data[{i}].event_id is required for deduplication.";
            if (e["user"] is not JsonObject user)
                return $"data[{i}].user is required.";
            foreach (var key in new[] { "email", "phone", "external_id" })
            {
                if (user[key] is not null && !IsSha256(Text(user, key)))
                    return $"data[{i}].user.{key} must be SHA-256 hashed.";
            }
            foreach (var key in new[] { "ttclid", "ip", "user_agent" })
            {
                if (user[key] is not null && (Text(user, key) is not { } v || IsSha256(v)))
                    return $"data[{i}].user.{key} must be sent as it is, not hashed.";
            }
        }
        return null;
    }

    private static string Envelope(int code, string message) =>
        new JsonObject { ["code"] = code, ["message"] = message, ["request_id"] = Guid.NewGuid().ToString("N"), ["data"] = null }.ToJsonString();
}
