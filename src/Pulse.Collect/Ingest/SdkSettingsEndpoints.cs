using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Sources;

namespace Pulse.Collect.Ingest;

/// <summary>
/// The settings that the official browser SDKs fetch before they send anything, so that they work
/// unchanged against Pulse: Segment's analytics.js 2.0 asks its CDN for
/// <c>/v1/projects/{writeKey}/settings</c> (point the snippet's <c>analytics._cdn</c> at Pulse), and
/// RudderStack's JavaScript SDK asks <c>/sourceConfig</c> (its <c>configUrl</c> load option). Both
/// answers name no destinations and turn the vendors' own telemetry off, so the SDK only talks to
/// Pulse; Segment's answer also names Pulse as the API host.
/// </summary>
internal static class SdkSettingsEndpoints
{
    public static IEndpointRouteBuilder MapSdkSettings(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/projects/{writeKey}/settings", SegmentSettingsAsync).ExcludeFromDescription();
        app.MapGet("/sourceConfig", RudderSourceConfigAsync).ExcludeFromDescription();
        app.MapMethods("/sourceConfig", ["OPTIONS"], (HttpContext http) => IngestEndpoints.Preflight(http, "GET, OPTIONS")).ExcludeFromDescription();
        return app;
    }

    private static async Task<IResult> SegmentSettingsAsync(string writeKey, HttpContext http)
    {
        var source = await FindAsync(http, writeKey);
        if (source is null)
            return Results.Problem(statusCode: 404, title: "Unknown write key", detail: "No enabled source has this write key.");
        var apiHost = http.Request.Host + http.Request.PathBase + "/v1";
        var json = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            w.WriteStartObject("integrations");
            w.WriteStartObject("Segment.io");
            w.WriteString("apiKey", writeKey);
            w.WriteString("apiHost", apiHost);
            w.WriteString("protocol", http.Request.Scheme);
            w.WriteStartArray("unbundledIntegrations");
            w.WriteEndArray();
            w.WriteBoolean("addBundledMetadata", false);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartObject("plan");
            foreach (var call in (string[])["track", "identify", "group"])
            {
                w.WriteStartObject(call);
                w.WriteStartObject("__default");
                w.WriteBoolean("enabled", true);
                w.WriteStartObject("integrations");
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteStartObject("metrics");
            w.WriteNumber("sampleRate", 0);
            w.WriteEndObject();
            w.WriteStartObject("enabledMiddleware");
            w.WriteEndObject();
            w.WriteStartObject("middlewareSettings");
            w.WriteEndObject();
            w.WriteStartArray("remotePlugins");
            w.WriteEndArray();
            w.WriteBoolean("analyticsNextEnabled", true);
            w.WriteBoolean("legacyVideoPluginsEnabled", false);
            w.WriteEndObject();
        }
        Cors(http, source);
        http.Response.Headers.CacheControl = "public, max-age=60";
        return Results.Bytes(json.WrittenSpan.ToArray(), "application/json");
    }

    private static async Task<IResult> RudderSourceConfigAsync(HttpContext http, string? writeKey)
    {
        var key = IngestEndpoints.BasicUser(http.Request) ?? writeKey;
        if (string.IsNullOrEmpty(key))
            return Results.Problem(statusCode: 401, title: "No write key", detail: "Send the write key as the Basic-auth user name or as ?writeKey=.");
        var source = await FindAsync(http, key);
        if (source is null)
            return Results.Problem(statusCode: 401, title: "Unknown write key", detail: "No enabled source has this write key.");
        var json = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(json))
        {
            w.WriteStartObject();
            w.WriteBoolean("isHosted", false);
            w.WriteStartObject("source");
            w.WriteString("id", source.Id.ToString());
            w.WriteString("name", source.Name);
            w.WriteString("writeKey", key);
            w.WriteString("workspaceId", source.WorkspaceId.ToString());
            w.WriteBoolean("enabled", true);
            w.WriteStartObject("config");
            w.WriteStartObject("statsCollection");
            foreach (var part in (string[])["errors", "metrics"])
            {
                w.WriteStartObject(part);
                w.WriteBoolean("enabled", false);
                w.WriteEndObject();
            }
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteStartArray("destinations");
            w.WriteEndArray();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        Cors(http, source);
        http.Response.Headers.CacheControl = "private, max-age=60";
        return Results.Bytes(json.WrittenSpan.ToArray(), "application/json");
    }

    private static async Task<IngestSource?> FindAsync(HttpContext http, string writeKey) =>
        writeKey.Length > 100 ? null
        : await http.RequestServices.GetRequiredService<SourceDirectory>().FindAsync(writeKey, http.RequestAborted) is { Enabled: true } s ? s : null;

    /// <summary>Lets the page read the answer only from an origin the source allows.</summary>
    private static void Cors(HttpContext http, IngestSource source)
    {
        if (http.Request.Headers.Origin.ToString() is { Length: > 0 } origin && Origins.Allows(source.AllowedOrigins, origin))
        {
            http.Response.Headers.AccessControlAllowOrigin = origin;
            http.Response.Headers.Vary = "Origin";
        }
    }
}
