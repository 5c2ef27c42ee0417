using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Pulse.Tests.Shared.Platforms;

/// <summary>
/// A local GA4 Measurement Protocol (docs/destinations-platforms.md, section 4): <c>/mp/collect</c>
/// and the validation server <c>/debug/mp/collect</c>, with <c>measurement_id</c> and
/// <c>api_secret</c> in the query. Both check the documented limits (client id, at most 25 events
/// and 25 parameters each, event and parameter names of 40 letters, digits and '_' starting with a
/// letter and not reserved, values of at most 100 characters, <c>timestamp_micros</c> in
/// microseconds no more than 72 hours back, a body under 130 kB). As Google does, <c>/mp/collect</c>
/// answers 204 even to a payload it would drop; the stand-in records such payloads in
/// <see cref="Dropped"/> so a test sees them. The validation server answers <c>validationMessages</c>.
/// </summary>
public sealed partial class Ga4MeasurementServer : StandInServer
{
    private static readonly HashSet<string> ReservedEvents = ["ad_impression", "app_remove", "click", "error", "file_download", "first_open", "first_visit",
        "form_start", "form_submit", "in_app_purchase", "page_view", "scroll", "session_start", "user_engagement", "view_search_results"];
    private readonly List<(JsonObject Body, string Problem)> _dropped = [];
    private readonly TimeProvider _clock;

    private Ga4MeasurementServer(string measurementId, string apiSecret, TimeProvider clock)
    {
        MeasurementId = measurementId;
        ApiSecret = apiSecret;
        _clock = clock;
    }

    public string MeasurementId { get; }
    public string ApiSecret { get; }

    public IReadOnlyList<(JsonObject Body, string Problem)> Dropped
    {
        get
        {
            lock (_dropped)
                return _dropped.ToList();
        }
    }

    /// <summary>Events GA4 would keep, each with its request's client id.</summary>
    public IReadOnlyList<(string ClientId, JsonObject Event)> Events =>
        Accepted.SelectMany(r => r["events"]!.AsArray().Select(e => (r["client_id"]!.GetValue<string>(), e!.AsObject()))).ToList();

    public static async Task<Ga4MeasurementServer> StartAsync(string measurementId = "G-TEST12345", string apiSecret = "ga-secret", TimeProvider? clock = null)
    {
        var server = new Ga4MeasurementServer(measurementId, apiSecret, clock ?? TimeProvider.System);
        await server.StartAsync(app =>
        {
            app.MapPost("/mp/collect", server.CollectAsync);
            app.MapPost("/debug/mp/collect", server.DebugAsync);
        });
        return server;
    }

    private async Task CollectAsync(HttpContext http)
    {
        if (await FailIfDueAsync(http, s => ((int)s, "{}")))
            return;
        if (http.Request.Query["measurement_id"] != MeasurementId || http.Request.Query["api_secret"] != ApiSecret)
        {
            // GA4 takes the request and drops it silently; so does the stand-in, on the record.
            lock (_dropped)
                _dropped.Add((new JsonObject(), "wrong measurement_id or api_secret"));
            http.Response.StatusCode = 204;
            return;
        }
        var (body, messages) = await CheckAsync(http);
        if (messages.Count > 0)
        {
            lock (_dropped)
                _dropped.Add((body ?? [], messages[0].Description));
        }
        else
        {
            Accept(body!);
        }
        http.Response.StatusCode = 204;
    }

    private async Task DebugAsync(HttpContext http)
    {
        var (_, messages) = await CheckAsync(http);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(new JsonObject
        {
            ["validationMessages"] = new JsonArray(messages.Select(m => (JsonNode)new JsonObject
            {
                ["fieldPath"] = m.Path, ["description"] = m.Description, ["validationCode"] = m.Code,
            }).ToArray()),
        }.ToJsonString());
    }

    private sealed record Message(string Path, string Description, string Code);

    private async Task<(JsonObject? Body, List<Message> Messages)> CheckAsync(HttpContext http)
    {
        var messages = new List<Message>();
        if (http.Request.ContentLength is > 130_000)
            return (null, [new Message("", "The body must be smaller than 130 kB.", "VALUE_OUT_OF_BOUNDS")]);
        var body = await ReadJsonAsync(http);
        if (body is null)
            return (null, [new Message("", "The body is not JSON.", "VALUE_INVALID")]);
        if (Text(body, "client_id") is not { Length: > 0 })
            messages.Add(new Message("client_id", "client_id is required for web streams.", "VALUE_REQUIRED"));
        if (body["events"] is not JsonArray events || events.Count == 0)
            return (body, [.. messages, new Message("events", "events is required.", "VALUE_REQUIRED")]);
        if (events.Count > 25)
            messages.Add(new Message("events", $"A request can have at most 25 events; it has {events.Count}.", "EXCEEDED_MAX_ENTITIES"));
        var oldest = _clock.GetUtcNow().AddHours(-72).ToUnixTimeMilliseconds() * 1000;
        for (var i = 0; i < events.Count; i++)
        {
            var e = events[i] as JsonObject;
            var name = Text(e, "name");
            if (name is null || !Name().IsMatch(name))
                messages.Add(new Message($"events[{i}].name", $"Event at index: [{i}] has invalid name [{name}]. Names must start with an alphabetic character.", "NAME_INVALID"));
            else if (ReservedEvents.Contains(name))
                messages.Add(new Message($"events[{i}].name", $"Event at index: [{i}] has name [{name}], which is reserved.", "NAME_RESERVED"));
            if (e?["timestamp_micros"] is JsonValue t && (t.GetValueKind() != JsonValueKind.Number || t.GetValue<long>() < oldest))
                messages.Add(new Message($"events[{i}].timestamp_micros", "timestamp_micros must be microseconds within the last 72 hours.", "VALUE_OUT_OF_BOUNDS"));
            if (e?["params"] is JsonObject ps)
            {
                if (ps.Count > 25)
                    messages.Add(new Message($"events[{i}].params", "An event can have at most 25 parameters.", "EXCEEDED_MAX_ENTITIES"));
                foreach (var (key, value) in ps)
                {
                    if (!Name().IsMatch(key))
                        messages.Add(new Message($"events[{i}].params.{key}", $"Parameter name [{key}] is invalid.", "NAME_INVALID"));
                    if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>().Length > 100 && key != "page_location")
                        messages.Add(new Message($"events[{i}].params.{key}", $"Parameter value of [{key}] is longer than 100 characters.", "VALUE_OUT_OF_BOUNDS"));
                }
                if (ps["value"] is not null && ps["currency"] is null)
                    messages.Add(new Message($"events[{i}].params.currency", "currency is required when value is set.", "VALUE_REQUIRED"));
            }
        }
        return (body, messages);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,39}$")]
    private static partial Regex Name();
}
