using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Pulse.Destinations.Delivery;

/// <summary>
/// The demo's built-in receivers, so that its destinations deliver for real without leaving the
/// machine: a webhook endpoint, and an endpoint that answers as the Meta Conversions API does.
/// They accept what they are sent (counting it) and keep nothing. Mapped only when
/// <c>Destinations:DemoSink</c> is on, which <c>pulse demo</c> sets; never in production.
/// </summary>
internal static class DemoSink
{
    public const string Path = "/demo-sink";
    private const int MaxBody = 16 * 1024 * 1024;

    public static IEndpointRouteBuilder MapDemoSink(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup(Path).ExcludeFromDescription().AllowAnonymous();
        group.MapPost("/webhook", async (HttpContext http) =>
        {
            var count = await CountAsync(http, "batch");
            return count < 0 ? Results.BadRequest("The body must be a JSON message or {\"batch\": [...]}.") : Results.NoContent();
        });
        group.MapPost("/meta/{version}/{pixel}/events", async (HttpContext http) =>
        {
            var count = await CountAsync(http, "data");
            return count <= 0
                ? Results.Json(new { error = new { message = "Invalid parameter: data must be a non-empty array.", type = "OAuthException", code = 100 } }, statusCode: 400)
                : Results.Json(new { events_received = count, messages = Array.Empty<string>(), fbtrace_id = "demo-sink" });
        });
        return app;
    }

    /// <summary>The length of the body's array <paramref name="property"/> (1 for a single object without it), or -1 when the body is no JSON object.</summary>
    private static async Task<int> CountAsync(HttpContext http, string property)
    {
        if (http.Request.ContentLength is > MaxBody)
            return -1;
        try
        {
            using var doc = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
                return -1;
            return doc.RootElement.TryGetProperty(property, out var list) && list.ValueKind == JsonValueKind.Array ? list.GetArrayLength() : 1;
        }
        catch (JsonException)
        {
            return -1;
        }
    }
}
