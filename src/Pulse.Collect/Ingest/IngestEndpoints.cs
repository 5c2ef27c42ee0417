using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulse.Platform.Http;

namespace Pulse.Collect.Ingest;

/// <summary>
/// The Segment HTTP Tracking API: <c>POST /v1/track|identify|page|screen|group|alias|batch</c>,
/// analytics.js's short forms (<c>/v1/t</c>, <c>/v1/b</c> …) and <c>/v1/import</c>. Answers
/// <c>200 {"success":true}</c> only once every accepted message is on disk.
/// </summary>
internal static class IngestEndpoints
{
    private static readonly string[] Calls = ["track", "identify", "page", "screen", "group", "alias", "batch", "import", "t", "i", "p", "s", "g", "a", "b"];

    public static IEndpointRouteBuilder MapIngest(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").ExcludeFromDescription().DisableAntiforgery();
        foreach (var call in Calls)
        {
            var type = CallTypes.FromPath(call);
            group.MapPost("/" + call, (HttpContext http) => IngestAsync(http, type));
            group.MapMethods("/" + call, ["OPTIONS"], (HttpContext http) => Preflight(http, "POST, OPTIONS"));
        }
        return app;
    }

    /// <summary>
    /// Answers a browser's CORS preflight for the public endpoints. Which source a browser writes
    /// to is only known from the request itself, so the preflight admits it and the request is then
    /// checked against the source's allowed origins.
    /// </summary>
    internal static IResult Preflight(HttpContext http, string methods)
    {
        if (http.Request.Headers.Origin.ToString() is { Length: > 0 } origin)
        {
            var h = http.Response.Headers;
            h.AccessControlAllowOrigin = origin;
            h.AccessControlAllowMethods = methods;
            h.AccessControlAllowHeaders = AllowedHeaders(http.Request);
            h.AccessControlMaxAge = "600";
            h.Vary = "Origin";
        }
        return Results.NoContent();
    }

    /// <summary>
    /// The headers a browser may send: what the preflight asks for (SDKs add their own, such as
    /// RudderStack's <c>SentAt</c> and <c>RSA-Since-Last-Attempt</c>) when it is a plain list of
    /// header names, else the ones every SDK uses. Headers carry no authority here; the write key does.
    /// </summary>
    internal static string AllowedHeaders(HttpRequest request)
    {
        const string Default = "Content-Type, Authorization, Content-Encoding, AnonymousId";
        var asked = request.Headers.AccessControlRequestHeaders.ToString();
        if (asked.Length is 0 or > 1000)
            return Default;
        foreach (var c in asked)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or ',' or ' '))
                return Default;
        }
        return asked;
    }

    private static async Task IngestAsync(HttpContext http, string? pathType)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<CollectOptions>>().Value;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = options.MaxBatchBytesCeiling;
        var origin = http.Request.Headers.Origin.ToString() is { Length: > 0 } o ? o : null;

        var (body, problem) = await IngestBody.ReadAsync(http.Request, options.MaxBatchBytesCeiling, http.RequestAborted);
        if (body is null)
        {
            await (problem switch
            {
                BodyProblem.TooLarge => Problem(http, 413, $"The body is larger than {options.MaxBatchBytesCeiling} bytes (after decompression)."),
                BodyProblem.BadGzip => Problem(http, 400, "The body is not valid gzip (Content-Encoding: gzip)."),
                BodyProblem.UnsupportedEncoding => Problem(http, 415, "Content-Encoding must be gzip or identity."),
                _ => Problem(http, 400, "The body is empty; send a Segment message as JSON."),
            });
            return;
        }
        IngestOutcome outcome;
        using (body)
        {
            var caller = new IngestCaller(BasicUser(http.Request), origin, http.Connection.RemoteIpAddress,
                origin is not null ? http.Request.Headers.UserAgent.ToString() : null);
            outcome = await http.RequestServices.GetRequiredService<IngestPipeline>().ProcessAsync(body.Memory, pathType, caller, http.RequestAborted);
        }
        if (origin is not null && outcome.Status is not (IngestStatus.Unauthorized or IngestStatus.Forbidden))
        {
            http.Response.Headers.AccessControlAllowOrigin = origin;
            http.Response.Headers.Vary = "Origin";
        }
        if (outcome.Limit is { Limit: > 0 } limit)
        {
            http.Response.Headers["RateLimit-Limit"] = limit.Limit.ToString(CultureInfo.InvariantCulture);
            http.Response.Headers["RateLimit-Remaining"] = limit.Remaining.ToString(CultureInfo.InvariantCulture);
            http.Response.Headers["RateLimit-Reset"] = Math.Max(1, limit.RetryAfterSeconds).ToString(CultureInfo.InvariantCulture);
        }
        if (outcome.Status == IngestStatus.Stored)
        {
            await WriteSuccessAsync(http, outcome);
            return;
        }
        if (outcome.Status is IngestStatus.RateLimited or IngestStatus.Unavailable)
            http.Response.Headers.RetryAfter = Math.Max(1, outcome.Limit?.RetryAfterSeconds ?? 1).ToString(CultureInfo.InvariantCulture);
        await Problem(http, outcome.HttpStatus, outcome.Detail ?? "The event log is unavailable; retry shortly.", outcome.Rejected);
    }

    private static async Task WriteSuccessAsync(HttpContext http, IngestOutcome outcome)
    {
        http.Response.StatusCode = 200;
        http.Response.ContentType = "application/json";
        await using var w = new Utf8JsonWriter(http.Response.BodyWriter);
        w.WriteStartObject();
        w.WriteBoolean("success"u8, true);
        w.WriteNumber("accepted"u8, outcome.Accepted);
        w.WriteNumber("duplicates"u8, outcome.Duplicates);
        if (outcome.Quarantined > 0)
            w.WriteNumber("quarantined"u8, outcome.Quarantined);
        if (outcome.Rejected is { Count: > 0 } rejected)
        {
            w.WriteStartArray("rejected"u8);
            foreach (var r in rejected)
            {
                w.WriteStartObject();
                w.WriteNumber("index"u8, r.Index);
                w.WriteString("reason"u8, r.Reason);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        await w.FlushAsync();
    }

    private static Task Problem(HttpContext http, int status, string detail, IReadOnlyList<Rejection>? rejected = null) =>
        ApiConventions.WriteProblemAsync(http, status, detail, p =>
        {
            if (rejected is { Count: > 0 })
                p.Extensions["rejected"] = rejected;
        });

    /// <summary>The user name of <c>Authorization: Basic base64(writeKey:)</c>, as Segment's SDKs send it.</summary>
    internal static string? BasicUser(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (!AuthenticationHeaderValue.TryParse(header, out var auth) || !"Basic".Equals(auth.Scheme, StringComparison.OrdinalIgnoreCase) || auth.Parameter is null)
            return null;
        Span<byte> bytes = stackalloc byte[256];
        if (auth.Parameter.Length > 340 || !Convert.TryFromBase64String(auth.Parameter, bytes, out var n))
            return null;
        var text = Encoding.UTF8.GetString(bytes[..n]);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        return colon < 0 ? text : text[..colon];
    }
}
