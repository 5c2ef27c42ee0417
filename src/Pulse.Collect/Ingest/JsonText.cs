namespace Pulse.Collect.Ingest;

/// <summary>Facts about raw JSON text that <see cref="System.Text.Json"/> reports only by throwing.</summary>
internal static class JsonText
{
    public const string LoneSurrogate = "text holds a lone UTF-16 surrogate escape (such as \\ud800), which is not Unicode";

    /// <summary>Whether the text has a <c>\uD800</c>–<c>\uDFFF</c> escape; checked only after a string failed to read.</summary>
    public static bool HasSurrogateEscape(ReadOnlySpan<byte> json)
    {
        var i = 0;
        while (i + 3 < json.Length)
        {
            if (json[i] != (byte)'\\')
            {
                i++;
                continue;
            }
            if (json[i + 1] == (byte)'u' && (json[i + 2] | 0x20) == (byte)'d' && (json[i + 3] | 0x20) is (byte)'8' or (byte)'9' or (>= (byte)'a' and <= (byte)'f'))
                return true;
            i += 2; // past an escaped character, so "\\ud800" (a backslash, then text) is not mistaken for one
        }
        return false;
    }
}
