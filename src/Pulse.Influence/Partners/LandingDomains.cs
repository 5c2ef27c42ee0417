namespace Pulse.Influence.Partners;

/// <summary>
/// The hosts a program's partners may send people to from links they make themselves. A host covers
/// its subdomains (<c>shop.example</c> allows <c>www.shop.example</c>), never its look-alikes
/// (<c>evilshop.example</c>).
/// </summary>
public static class LandingDomains
{
    public const int Max = 20;

    /// <summary>Checks and normalises a list from a request into the stored form (space-separated, lower case), or null for none.</summary>
    public static string? Check(IReadOnlyList<string> domains, Dictionary<string, string[]> errors)
    {
        var result = new List<string>();
        foreach (var raw in domains)
        {
            var d = (raw ?? "").Trim().TrimEnd('.').ToLowerInvariant();
            if (d.StartsWith("www.", StringComparison.Ordinal))
                d = d[4..];
            if (d.Length is 0 or > 253 || Uri.CheckHostName(d) != UriHostNameType.Dns || !d.Contains('.', StringComparison.Ordinal))
            {
                errors["landingDomains"] = [$"'{raw}' is not a host name (like shop.example, without https:// or a path)."];
                return null;
            }
            if (!result.Contains(d))
                result.Add(d);
        }
        if (result.Count > Max)
        {
            errors["landingDomains"] = [$"At most {Max} landing domains per program."];
            return null;
        }
        return result.Count == 0 ? null : string.Join(' ', result);
    }

    public static IReadOnlyList<string> Split(string? stored) =>
        string.IsNullOrEmpty(stored) ? [] : stored.Split(' ', StringSplitOptions.RemoveEmptyEntries);

    /// <summary>Whether <paramref name="url"/> is an http(s) address on one of <paramref name="domains"/> or their subdomains.</summary>
    public static bool Allows(IEnumerable<string> domains, string? url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https") || !string.IsNullOrEmpty(uri.UserInfo))
            return false;
        var host = uri.IdnHost.TrimEnd('.').ToLowerInvariant();
        return domains.Any(d => host == d || host.EndsWith("." + d, StringComparison.Ordinal));
    }
}
