using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pulse.Tests.Shared.Platforms;

/// <summary>
/// A local Meta Conversions API (<c>POST /{version}/{pixel}/events</c>) that enforces the request
/// format Meta documents (docs/destinations-platforms.md, section 1): the access token, at most
/// 1,000 events, every event's name, time in seconds and no older than 7 days (one stale event
/// fails the whole request), <c>action_source</c>, the fields website events need, customer fields
/// hashed as SHA-256 hex while IP, user agent, <c>fbc</c> and <c>fbp</c> stay plain, and the
/// limited-data-use fields. It answers as Graph does (<c>events_received</c>, or the <c>error</c>
/// envelope with a 4xx), records what it accepted, and can be told to fail for a while.
/// </summary>
public sealed partial class MetaCapiServer : StandInServer
{
    public const int MaxEvents = 1000;
    private static readonly string[] HashedKeys = ["em", "ph", "fn", "ln", "ge", "db", "ct", "st", "zp", "country"];
    private static readonly string[] PlainKeys = ["client_ip_address", "client_user_agent", "fbc", "fbp"];
    private static readonly HashSet<string> ActionSources = ["email", "website", "app", "phone_call", "chat", "physical_store", "system_generated", "business_messaging", "other"];

    private readonly TimeProvider _clock;

    private MetaCapiServer(TimeProvider clock, string pixelId, string accessToken)
    {
        _clock = clock;
        PixelId = pixelId;
        AccessToken = accessToken;
    }

    public string PixelId { get; }
    public string AccessToken { get; }

    /// <summary>Every event of every accepted request (the <c>data</c> array and any <c>test_event_code</c> as received), in arrival order.</summary>
    public IReadOnlyList<JsonObject> Events => Accepted.SelectMany(r => r["data"]!.AsArray().Select(e => e!.AsObject())).ToList();

    public static async Task<MetaCapiServer> StartAsync(TimeProvider? clock = null, string pixelId = "123456789012345", string accessToken = "EAAtest")
    {
        var server = new MetaCapiServer(clock ?? TimeProvider.System, pixelId, accessToken);
        await server.StartAsync(app => app.MapPost("/{version}/{pixel}/events", server.HandleAsync));
        return server;
    }

    private async Task HandleAsync(HttpContext http, string version, string pixel)
    {
        if (await FailIfDueAsync(http, s => ((int)s, s == HttpStatusCode.TooManyRequests
                ? Error("Application request limit reached", 4, "OAuthException")
                : Error("Service temporarily unavailable", 2, "OAuthException"))))
            return;
        var (body, token) = await ReadAsync(http);
        var problem = Check(version, pixel, body, token ?? http.Request.Query["access_token"].FirstOrDefault());
        if (problem is { } p)
        {
            await RefuseAsync(http, p.Status, p.Body);
            return;
        }
        Accept(body!);
        var received = body!["data"]!.AsArray().Count;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync($$"""{"events_received":{{received}},"messages":[],"fbtrace_id":"A{{Guid.NewGuid():N}}"}""");
    }

    /// <summary>The body as JSON, whether sent as JSON or (as Meta's curl example does) as form fields with <c>data</c> a JSON string; and an access token found in it.</summary>
    private static async Task<(JsonObject? Body, string? Token)> ReadAsync(HttpContext http)
    {
        try
        {
            if (http.Request.HasFormContentType)
            {
                var form = await http.Request.ReadFormAsync();
                var o = new JsonObject();
                if (form.TryGetValue("data", out var data))
                    o["data"] = JsonNode.Parse(data.ToString());
                if (form.TryGetValue("test_event_code", out var code))
                    o["test_event_code"] = code.ToString();
                return (o, form["access_token"].FirstOrDefault());
            }
            var node = await JsonNode.ParseAsync(http.Request.Body);
            if (node is not JsonObject obj)
                return (null, null);
            var token = obj["access_token"]?.GetValue<string>();
            obj.Remove("access_token");
            return (obj, token);
        }
        catch (JsonException)
        {
            return (null, null);
        }
    }

    private (int Status, string Body)? Check(string version, string pixel, JsonObject? body, string? token)
    {
        if (!VersionPattern().IsMatch(version))
            return (400, Error($"Unknown path components: /{version}", 2500, "OAuthException"));
        if (token is null)
            return (400, Error("An active access token must be used to query information about the current user.", 2500, "OAuthException"));
        if (token != AccessToken)
            return (400, Error("Invalid OAuth access token - Cannot parse access token", 190, "OAuthException"));
        if (pixel != PixelId)
            return (400, Error($"Unsupported post request. Object with ID '{pixel}' does not exist", 100, "GraphMethodException", 33));
        if (body?["data"] is not JsonArray data)
            return Invalid("The parameter data is required and must be a JSON array.");
        if (data.Count == 0 || data.Count > MaxEvents)
            return Invalid($"data must hold 1 to {MaxEvents} events; it holds {data.Count}.");
        if (body["test_event_code"] is { } test && (test.GetValueKind() != JsonValueKind.String || test.GetValue<string>().Length == 0))
            return Invalid("test_event_code must be a non-empty string.");
        var now = _clock.GetUtcNow().ToUnixTimeSeconds();
        for (var i = 0; i < data.Count; i++)
        {
            if (EventProblem(data[i], now) is { } problem)
                return Invalid($"data[{i}]: {problem}");
        }
        return null;
    }

    private static string? EventProblem(JsonNode? node, long now)
    {
        if (node is not JsonObject e)
            return "an event must be an object.";
        if (Text(e, "event_name") is not { Length: > 0 })
            return "event_name is required.";
        if (e["event_time"] is not JsonValue t || t.GetValueKind() != JsonValueKind.Number || !t.TryGetValue(out long time))
            return "event_time must be a Unix timestamp in seconds.";
        if (time > 100_000_000_000)
            return "event_time must be in seconds, not milliseconds.";
        if (time < now - 7 * 86400)
            return "The timestamp for this event is older than 7 days; the whole request is rejected.";
        if (Text(e, "action_source") is not { } source || !ActionSources.Contains(source))
            return "action_source is required and must be one of " + string.Join(", ", ActionSources.Order()) + ".";
        if (e["user_data"] is not JsonObject user)
            return "user_data is required.";
        if (source == "website" && (Text(e, "event_source_url") is null || Text(user, "client_user_agent") is null))
            return "website events require event_source_url and user_data.client_user_agent.";
        foreach (var key in HashedKeys)
        {
            if (user[key] is not { } value)
                continue;
            var values = value is JsonArray a ? a.Select(v => v?.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null).ToList() : [value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null];
            if (values.Any(v => v is null || !Sha256Pattern().IsMatch(v)))
                return $"user_data.{key} must be SHA-256 hashed (64 lowercase hex characters).";
        }
        foreach (var key in PlainKeys)
        {
            if (user[key] is { } value && (value.GetValueKind() != JsonValueKind.String || Sha256Pattern().IsMatch(value.GetValue<string>())))
                return $"user_data.{key} must be sent as it is, not hashed.";
        }
        if (Text(user, "fbc") is { } fbc && !FbcPattern().IsMatch(fbc))
            return "user_data.fbc must look like fb.1.<creation time in ms>.<fbclid>.";
        if (e["data_processing_options"] is { } dpo)
        {
            if (dpo is not JsonArray options || options.Any(o => o?.GetValueKind() != JsonValueKind.String || o.GetValue<string>() != "LDU"))
                return "data_processing_options must be [] or [\"LDU\"].";
            if (options.Count > 0 && (e["data_processing_options_country"]?.GetValueKind() != JsonValueKind.Number || e["data_processing_options_state"]?.GetValueKind() != JsonValueKind.Number))
                return "limited data use needs data_processing_options_country and data_processing_options_state.";
        }
        return null;
    }

    private static (int, string) Invalid(string message) => (400, Error("Invalid parameter: " + message, 100, "OAuthException"));

    private static string Error(string message, int code, string type, int? subcode = null)
    {
        var error = new JsonObject { ["message"] = message, ["type"] = type, ["code"] = code, ["fbtrace_id"] = "A" + Guid.NewGuid().ToString("N")[..10] };
        if (subcode is { } s)
            error["error_subcode"] = s;
        return new JsonObject { ["error"] = error }.ToJsonString();
    }

    [GeneratedRegex("^v[0-9]+\\.[0-9]+$")]
    private static partial Regex VersionPattern();

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex Sha256Pattern();

    [GeneratedRegex("^fb\\.[0-9]+\\.[0-9]+\\.[^.\\s]+(\\.[^.\\s]+)?$")]
    private static partial Regex FbcPattern();
}
