using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Influence;

/// <summary>A CSV sent as a request body (text/csv, UTF-8, at most a given size), for the module's imports.</summary>
internal static class CsvUpload
{
    /// <summary>The body's text without a byte-order mark, or the problem to answer (415, 413); not UTF-8 is a 400.</summary>
    public static async Task<(string? Text, ProblemHttpResult? Problem)> ReadAsync(HttpContext http, int maxBytes, CancellationToken ct)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = maxBytes;
        var type = http.Request.ContentType ?? "";
        if (!type.StartsWith("text/csv", StringComparison.OrdinalIgnoreCase) && !type.StartsWith("text/plain", StringComparison.OrdinalIgnoreCase))
        {
            return (null, TypedResults.Problem(statusCode: 415, type: ProblemTypes.UnsupportedMediaType, title: "Unsupported media type",
                detail: $"Send the CSV as the body with Content-Type: text/csv (not '{type}')."));
        }
        ProblemHttpResult TooLarge() => TypedResults.Problem(statusCode: 413, type: ProblemTypes.PayloadTooLarge, title: "Payload too large",
            detail: $"An import is at most {maxBytes / 1024 / 1024} MB; split the file.");
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
        try
        {
            return (new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(buffer.GetBuffer(), 0, (int)buffer.Length).TrimStart('\uFEFF'), null);
        }
        catch (DecoderFallbackException)
        {
            throw new ValidationException("csv", "The CSV is not UTF-8 text; save it as CSV UTF-8.");
        }
    }
}
