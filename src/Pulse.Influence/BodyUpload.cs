using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Influence;

/// <summary>A file sent as a request body (a CSV for the module's imports, a logo), at most a given size.</summary>
internal static class BodyUpload
{
    /// <summary>The body's bytes, or 413 naming <paramref name="what"/> and the limit once it grows past <paramref name="maxBytes"/>.</summary>
    public static async Task<(byte[]? Bytes, ProblemHttpResult? Problem)> ReadBytesAsync(HttpContext http, int maxBytes, string what, CancellationToken ct)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = maxBytes;
        ProblemHttpResult TooLarge() => TypedResults.Problem(statusCode: 413, type: ProblemTypes.PayloadTooLarge, title: "Payload too large",
            detail: $"{what} is at most {(maxBytes >= 1024 * 1024 ? $"{maxBytes / 1024 / 1024} MB" : $"{maxBytes / 1024} KB")}; split or shrink it.");
        if (http.Request.ContentLength > maxBytes)
            return (null, TooLarge());
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
                return (null, TooLarge());
            buffer.Write(chunk, 0, read);
        }
        return (buffer.ToArray(), null);
    }

    /// <summary>The body's text without a byte-order mark, or the problem to answer (415, 413); not UTF-8 is a 400.</summary>
    public static async Task<(string? Text, ProblemHttpResult? Problem)> ReadAsync(HttpContext http, int maxBytes, CancellationToken ct)
    {
        var type = http.Request.ContentType ?? "";
        if (!type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) && !type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            return (null, TypedResults.Problem(statusCode: 415, type: ProblemTypes.UnsupportedMediaType, title: "Unsupported media type",
                detail: $"Send the CSV as the body with Content-Type: text/csv (not '{type}')."));
        }
        var (bytes, tooLarge) = await ReadBytesAsync(http, maxBytes, "An import", ct);
        if (tooLarge is not null)
            return (null, tooLarge);
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes!).TrimStart('\uFEFF'), null);
        }
        catch (DecoderFallbackException)
        {
            throw new ValidationException("csv", "The CSV is not UTF-8 text; save it as CSV UTF-8.");
        }
    }
}
