using Pulse.Platform.Access;

namespace Pulse.Collect.Sources;

/// <summary>Browser origins a source accepts: <c>https://shop.example</c>, <c>https://*.shop.example</c> or <c>*</c>.</summary>
internal static class Origins
{
    public const int MaxCount = 50;

    public static IReadOnlyList<string> Check(string field, IReadOnlyList<string> origins)
    {
        if (origins.Count > MaxCount)
            throw new ValidationException(field, $"{field} may hold at most {MaxCount} origins.");
        var result = new List<string>(origins.Count);
        foreach (var raw in origins)
        {
            var o = raw?.Trim().TrimEnd('/') ?? "";
            if (o == "*")
            {
                result.Add(o);
                continue;
            }
            var probe = o.Replace("://*.", "://wildcard.", StringComparison.Ordinal);
            if (!Uri.TryCreate(probe, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
                || uri.PathAndQuery != "/" || !string.IsNullOrEmpty(uri.UserInfo) || o.Contains('?', StringComparison.Ordinal) || o.Contains('#', StringComparison.Ordinal))
                throw new ValidationException(field, $"'{raw}' is not an origin; write it as https://shop.example (scheme, host, optional port), https://*.shop.example or *.");
            result.Add(o.ToLowerInvariant());
        }
        return result.Distinct(StringComparer.Ordinal).ToList();
    }

    public static string Join(IReadOnlyList<string> origins) => string.Join('\n', origins);

    public static IReadOnlyList<string> Split(string stored) =>
        stored.Length == 0 ? [] : stored.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Whether a browser's <c>Origin</c> header matches one of the allowed origins.</summary>
    public static bool Allows(IReadOnlyList<string> allowed, string origin)
    {
        foreach (var a in allowed)
        {
            if (a == "*" || string.Equals(a, origin, StringComparison.OrdinalIgnoreCase))
                return true;
            var star = a.IndexOf("://*.", StringComparison.Ordinal);
            if (star > 0)
            {
                var scheme = a[..(star + 3)];
                var suffix = a[(star + 4)..];
                if (origin.StartsWith(scheme, StringComparison.OrdinalIgnoreCase)
                    && origin.EndsWith(suffix, StringComparison.OrdinalIgnoreCase)
                    && origin.Length > scheme.Length + suffix.Length)
                    return true;
            }
        }
        return false;
    }
}
