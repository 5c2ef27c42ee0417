using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Ingest;
using Pulse.Platform.Http;

namespace Pulse.Collect.Tag;

/// <summary>
/// The JS tag (<c>/t.js</c>, cached for an hour; <c>/t/&lt;version&gt;.js</c>, cached for good), the
/// snippet's queue stub (<c>/t.stub.js</c>, cached for an hour) and
/// the image pixel (<c>/p.gif</c>) for e-mails and pages without JavaScript.
/// </summary>
internal static class TagEndpoints
{
    public const string Version = "1.0.0";

    private static readonly Lazy<(byte[] Body, string ETag)> Script = new(() => Resource("pulse.js"));

    /// <summary>
    /// The queue stub of the snippet (README.md): defines <c>window.pulse</c> as an array whose methods
    /// push their calls, which the tag replays in order once it has loaded. Served as a file too, for a
    /// page that loads it with a plain script tag ahead of the async tag instead of inlining it.
    /// </summary>
    private static readonly Lazy<(byte[] Body, string ETag)> Stub = new(() => Resource("stub.js"));

    private static (byte[] Body, string ETag) Resource(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Pulse.Collect.Tag." + name)
            ?? throw new InvalidOperationException($"The tag's {name} is missing from the Collect module.");
        using var reader = new StreamReader(stream);
        var body = Encoding.UTF8.GetBytes(reader.ReadToEnd().Replace("__VERSION__", Version, StringComparison.Ordinal));
        return (body, "\"" + Convert.ToHexStringLower(SHA256.HashData(body))[..16] + "\"");
    }

    /// <summary>A transparent 1×1 GIF.</summary>
    private static readonly byte[] Gif = Convert.FromBase64String("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7");

    public static IEndpointRouteBuilder MapTag(this IEndpointRouteBuilder app)
    {
        app.MapGet("/t.js", (HttpContext http) => ServeScript(http, Script.Value, TimeSpan.FromHours(1), immutable: false)).ExcludeFromDescription();
        app.MapGet("/t.stub.js", (HttpContext http) => ServeScript(http, Stub.Value, TimeSpan.FromHours(1), immutable: false)).ExcludeFromDescription();
        app.MapGet("/t/{version}.js", (HttpContext http, string version) => version == Version
            ? ServeScript(http, Script.Value, TimeSpan.FromDays(365), immutable: true)
            : Results.Problem(statusCode: 404, detail: $"Tag version {version} is not served here; this server has {Version} (/t/{Version}.js).")).ExcludeFromDescription();
        app.MapGet("/p.gif", PixelAsync).ExcludeFromDescription();
        return app;
    }

    private static IResult ServeScript(HttpContext http, (byte[] Body, string ETag) script, TimeSpan maxAge, bool immutable)
    {
        var (body, etag) = script;
        http.Response.Headers.CacheControl = $"public, max-age={(int)maxAge.TotalSeconds}" + (immutable ? ", immutable" : "");
        http.Response.Headers.ETag = etag;
        if (http.Request.Headers.IfNoneMatch.ToString() == etag)
            return Results.StatusCode(304);
        return Results.Bytes(body, "application/javascript; charset=utf-8");
    }

    /// <summary>
    /// <c>/p.gif?k=WRITE_KEY&amp;e=Email%20Opened&amp;u=USER&amp;a=ANON&amp;m=MESSAGE_ID&amp;t=track&amp;p.campaign=bf</c>,
    /// or <c>?data=</c> base64url of a whole Segment message (its writeKey inside or as k).
    /// </summary>
    private static async Task PixelAsync(HttpContext http)
    {
        http.Response.Headers.CacheControl = "no-cache, no-store, must-revalidate, private";
        http.Response.Headers.Pragma = "no-cache";
        http.Response.Headers.Expires = "0";
        var query = http.Request.Query;
        string json;
        string? type;
        try
        {
            (json, type) = PixelMessage(query);
        }
        catch (FormatException e)
        {
            await ApiConventions.WriteProblemAsync(http, 400, e.Message);
            return;
        }
        var pipeline = http.RequestServices.GetRequiredService<IngestPipeline>();
        var caller = new IngestCaller(null, null, http.Connection.RemoteIpAddress, http.Request.Headers.UserAgent.ToString());
        var outcome = await pipeline.ProcessAsync(Encoding.UTF8.GetBytes(json), type, caller, http.RequestAborted);
        if (outcome.Status != IngestStatus.Stored)
        {
            await ApiConventions.WriteProblemAsync(http, outcome.HttpStatus, outcome.Detail ?? "The pixel's event could not be stored.");
            return;
        }
        http.Response.ContentType = "image/gif";
        await http.Response.Body.WriteAsync(Gif);
    }

    /// <summary>The Segment message a pixel request describes, and its call type.</summary>
    internal static (string Json, string Type) PixelMessage(IQueryCollection query)
    {
        if (query.TryGetValue("data", out var data))
        {
            byte[] bytes;
            try
            {
                bytes = System.Buffers.Text.Base64Url.DecodeFromChars(data.ToString().TrimEnd('=').Replace('+', '-').Replace('/', '_'));
            }
            catch (FormatException)
            {
                throw new FormatException("data must be a base64url-encoded Segment message.");
            }
            try
            {
                return DataMessage(bytes, query);
            }
            catch (InvalidOperationException) when (JsonText.HasLoneSurrogateEscape(bytes))
            {
                throw new FormatException("data's " + JsonText.LoneSurrogate + ".");
            }
        }

        var type = CallTypes.Normalise(query["t"].ToString() is { Length: > 0 } q ? q : CallTypes.Track)
            ?? throw new FormatException("t must be one of track, identify, page, screen, group, alias.");
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            Write(w, "writeKey", query["k"]);
            Write(w, "userId", query["u"]);
            Write(w, "anonymousId", query["a"]);
            Write(w, "messageId", query["m"]);
            Write(w, "groupId", query["g"]);
            Write(w, "previousId", query["prev"]);
            if (type == CallTypes.Track)
                Write(w, "event", query["e"]);
            else if (type is CallTypes.Page or CallTypes.Screen)
                Write(w, "name", query["e"]);
            w.WriteStartObject(type is CallTypes.Identify or CallTypes.Group ? "traits" : "properties");
            foreach (var (name, value) in query)
            {
                if (name.StartsWith("p.", StringComparison.Ordinal) && name.Length > 2)
                    w.WriteString(name[2..], value.ToString());
            }
            w.WriteEndObject();
            w.WriteStartObject("context");
            w.WriteStartObject("library");
            w.WriteString("name", "pulse-pixel");
            w.WriteString("version", Version);
            w.WriteEndObject();
            w.WriteEndObject();
            w.WriteEndObject();
        }
        return (Encoding.UTF8.GetString(buffer.WrittenSpan), type);
    }

    private static (string Json, string Type) DataMessage(byte[] bytes, IQueryCollection query)
    {
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
            throw new FormatException("data must encode UTF-8 text.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(bytes);
        }
        catch (JsonException)
        {
            throw new FormatException("data must be a base64url-encoded JSON object (a Segment message).");
        }
        using var owner = doc;
        var root = owner.RootElement;
        if (root.ValueKind != JsonValueKind.Object)
            throw new FormatException("data must encode a JSON object.");
        var t = root.TryGetProperty("type", out var tt) && tt.ValueKind == JsonValueKind.String ? tt.GetString() : "track";
        var callType = CallTypes.Normalise(t) ?? throw new FormatException("type must be one of track, identify, page, screen, group, alias.");
        if (query.TryGetValue("k", out var key) && !root.TryGetProperty("writeKey", out _))
        {
            var buffer = new System.Buffers.ArrayBufferWriter<byte>(bytes.Length + 64);
            using (var w = new Utf8JsonWriter(buffer))
            {
                w.WriteStartObject();
                foreach (var p in root.EnumerateObject())
                    p.WriteTo(w);
                w.WriteString("writeKey", key.ToString());
                w.WriteEndObject();
            }
            return (Encoding.UTF8.GetString(buffer.WrittenSpan), callType);
        }
        return (Encoding.UTF8.GetString(bytes), callType);
    }

    private static void Write(Utf8JsonWriter w, string name, Microsoft.Extensions.Primitives.StringValues value)
    {
        if (value.Count > 0 && value[0] is { Length: > 0 } v)
            w.WriteString(name, v);
    }
}
