namespace Pulse.Collect.Ingest;

/// <summary>Facts about raw JSON text that <see cref="System.Text.Json"/> reports only by throwing.</summary>
internal static class JsonText
{
    public const string LoneSurrogate = "text holds a lone UTF-16 surrogate escape (such as \\ud800), which is not Unicode";

    /// <summary>
    /// Whether the text has a <c>\uD800</c>–<c>\uDFFF</c> escape that is not half of a proper pair
    /// (a high surrogate escape followed at once by a low one); such text names no Unicode character
    /// and is refused. Checked on every message whose JSON is stored as it was sent, and after a
    /// string of a body failed to read.
    /// </summary>
    public static bool HasLoneSurrogateEscape(ReadOnlySpan<byte> json)
    {
        if (json.IndexOf("\\u"u8) < 0)
            return false;
        var i = 0;
        while (i + 5 < json.Length)
        {
            if (json[i] != (byte)'\\')
            {
                i++;
                continue;
            }
            if (json[i + 1] != (byte)'u' || !TryHex4(json.Slice(i + 2, 4), out var unit))
            {
                i += 2; // past an escaped character, so "\\ud800" (a backslash, then text) is not mistaken for one
                continue;
            }
            if (unit is >= 0xDC00 and <= 0xDFFF)
                return true;
            if (unit is >= 0xD800 and <= 0xDBFF)
            {
                if (i + 11 < json.Length && json[i + 6] == (byte)'\\' && json[i + 7] == (byte)'u'
                    && TryHex4(json.Slice(i + 8, 4), out var low) && low is >= 0xDC00 and <= 0xDFFF)
                {
                    i += 12;
                    continue;
                }
                return true;
            }
            i += 6;
        }
        return false;
    }

    private static bool TryHex4(ReadOnlySpan<byte> hex, out int value)
    {
        value = 0;
        foreach (var b in hex)
        {
            var d = b switch
            {
                >= (byte)'0' and <= (byte)'9' => b - '0',
                >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
                >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
                _ => -1,
            };
            if (d < 0)
                return false;
            value = value * 16 + d;
        }
        return true;
    }
}
