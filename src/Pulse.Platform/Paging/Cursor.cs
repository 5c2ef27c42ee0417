using System.Buffers.Text;
using System.Text;
using Pulse.Platform.Access;

namespace Pulse.Platform.Paging;

/// <summary>
/// Opaque keyset cursors: the key of the last item of a page, base64url-encoded with a kind tag so
/// that a cursor of one list is refused by another.
/// </summary>
public static class Cursor
{
    public static string Encode(string kind, string key) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes(kind + ":" + key));

    public static string Encode(string kind, long key) => Encode(kind, key.ToString(System.Globalization.CultureInfo.InvariantCulture));

    public static string Encode(string kind, Guid key) => Encode(kind, key.ToString("N"));

    /// <summary>Reads a cursor; throws a <see cref="ValidationException"/> on the <c>cursor</c> field when it is not one of ours.</summary>
    public static string Decode(string kind, string cursor)
    {
        if (cursor.Length > 512 || !Base64Url.IsValid(cursor))
            throw Invalid();
        string text;
        try
        {
            text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor));
        }
        catch (FormatException)
        {
            throw Invalid();
        }
        var prefix = kind + ":";
        if (!text.StartsWith(prefix, StringComparison.Ordinal))
            throw Invalid();
        return text[prefix.Length..];
    }

    public static long DecodeLong(string kind, string cursor) =>
        long.TryParse(Decode(kind, cursor), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var v) && v >= 0
            ? v
            : throw Invalid();

    public static Guid DecodeGuid(string kind, string cursor) =>
        Guid.TryParseExact(Decode(kind, cursor), "N", out var g) ? g : throw Invalid();

    private static ValidationException Invalid() =>
        new("cursor", "The cursor is not valid for this list. Use the nextCursor value of the previous page.");
}
