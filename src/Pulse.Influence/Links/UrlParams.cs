using System.Text;

namespace Pulse.Influence.Links;

/// <summary>Adds query parameters to a destination without touching those it already has.</summary>
internal static class UrlParams
{
    /// <summary><paramref name="url"/> with each (name, value) appended unless the URL already names it; the fragment stays last.</summary>
    public static string AddMissing(string url, IEnumerable<(string Name, string? Value)> parameters)
    {
        var hash = url.IndexOf('#', StringComparison.Ordinal);
        var fragment = hash >= 0 ? url[hash..] : "";
        var head = hash >= 0 ? url[..hash] : url;
        var q = head.IndexOf('?', StringComparison.Ordinal);
        var present = new HashSet<string>(StringComparer.Ordinal);
        if (q >= 0)
        {
            foreach (var part in head[(q + 1)..].Split('&', StringSplitOptions.RemoveEmptyEntries))
            {
                var eq = part.IndexOf('=', StringComparison.Ordinal);
                present.Add(Uri.UnescapeDataString((eq >= 0 ? part[..eq] : part).Replace('+', ' ')));
            }
        }
        var sb = new StringBuilder(head);
        var first = q < 0;
        foreach (var (name, value) in parameters)
        {
            if (value is null || !present.Add(name))
                continue;
            sb.Append(first ? '?' : (sb[^1] is '?' or '&' ? "" : "&"));
            first = false;
            sb.Append(Uri.EscapeDataString(name)).Append('=').Append(Uri.EscapeDataString(value));
        }
        return sb.Append(fragment).ToString();
    }

    /// <summary>The UTM parameters of a link (only those with a value).</summary>
    public static IEnumerable<(string, string?)> Utm(string? source, string medium, string? campaign, string? content) =>
        [("utm_source", source), ("utm_medium", medium), ("utm_campaign", campaign), ("utm_content", content)];
}
