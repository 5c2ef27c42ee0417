using System.Text.RegularExpressions;

namespace Pulse.Influence.Creators;

/// <summary>The platforms creators publish on; their names are the API's and the CSV columns'.</summary>
public enum SocialPlatform
{
    Instagram,
    Tiktok,
    Youtube,
    Facebook,
    X,
    Linkedin,
}

/// <summary>
/// Reads a handle as people paste it (<c>@anna_fit</c>, <c>anna_fit</c>,
/// <c>https://www.instagram.com/anna_fit/</c>, <c>youtube.com/@AnnaFit</c>) and checks it against
/// the platform's own rules for usernames; the result is lower case without <c>@</c>.
/// </summary>
public static partial class Handles
{
    public static IReadOnlyList<string> PlatformNames { get; } = Enum.GetValues<SocialPlatform>().Select(Name).ToList();

    public static string Name(SocialPlatform p) => p.ToString().ToLowerInvariant();

    public static SocialPlatform? ParsePlatform(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "instagram" or "ig" => SocialPlatform.Instagram,
        "tiktok" => SocialPlatform.Tiktok,
        "youtube" or "yt" => SocialPlatform.Youtube,
        "facebook" or "fb" => SocialPlatform.Facebook,
        "x" or "twitter" => SocialPlatform.X,
        "linkedin" => SocialPlatform.Linkedin,
        _ => null,
    };

    /// <summary>The handle in canonical form, or an error that says what the platform allows.</summary>
    public static (string? Handle, string? Error) Parse(SocialPlatform platform, string? text)
    {
        var v = (text ?? "").Trim();
        if (v.Length == 0)
            return (null, "The handle is empty.");
        if (v.Length > 300)
            return (null, "The handle is longer than 300 characters.");
        if (v.Contains('/', StringComparison.Ordinal) || v.Contains('.', StringComparison.Ordinal) && LooksLikeUrl(v))
        {
            var (fromUrl, error) = FromUrl(platform, v);
            if (error is not null)
                return (null, error);
            v = fromUrl!;
        }
        if (v.StartsWith('@'))
            v = v[1..];
        v = v.ToLowerInvariant();
        var (pattern, rule) = Rule(platform);
        return pattern.IsMatch(v) ? (v, null) : (null, $"'{text!.Trim()}' is not a {Name(platform)} handle: {rule}.");
    }

    /// <summary>The profile's address, for links in the panel.</summary>
    public static string ProfileUrl(SocialPlatform platform, string handle) => platform switch
    {
        SocialPlatform.Instagram => $"https://www.instagram.com/{handle}/",
        SocialPlatform.Tiktok => $"https://www.tiktok.com/@{handle}",
        SocialPlatform.Youtube => $"https://www.youtube.com/@{handle}",
        SocialPlatform.Facebook => $"https://www.facebook.com/{handle}",
        SocialPlatform.X => $"https://x.com/{handle}",
        _ => $"https://www.linkedin.com/in/{handle}/",
    };

    private static bool LooksLikeUrl(string v) =>
        v.StartsWith("http", StringComparison.OrdinalIgnoreCase) || v.StartsWith("www.", StringComparison.OrdinalIgnoreCase)
        || Hosts.Values.Any(h => h.Any(x => v.StartsWith(x, StringComparison.OrdinalIgnoreCase)));

    private static readonly Dictionary<SocialPlatform, string[]> Hosts = new()
    {
        [SocialPlatform.Instagram] = ["instagram.com"],
        [SocialPlatform.Tiktok] = ["tiktok.com"],
        [SocialPlatform.Youtube] = ["youtube.com"],
        [SocialPlatform.Facebook] = ["facebook.com", "fb.com"],
        [SocialPlatform.X] = ["x.com", "twitter.com"],
        [SocialPlatform.Linkedin] = ["linkedin.com"],
    };

    private static (string? Handle, string? Error) FromUrl(SocialPlatform platform, string v)
    {
        var withScheme = v.Contains("://", StringComparison.Ordinal) ? v : "https://" + v;
        if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return (null, $"'{v}' is neither a handle nor a profile address.");
        var host = uri.Host.ToLowerInvariant();
        if (host.StartsWith("www.", StringComparison.Ordinal) || host.StartsWith("m.", StringComparison.Ordinal))
            host = host[(host.IndexOf('.', StringComparison.Ordinal) + 1)..];
        if (!Hosts[platform].Contains(host))
            return (null, $"'{v}' is not a {Name(platform)} address (expected {string.Join(" or ", Hosts[platform])}).");
        var segments = uri.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries);
        // LinkedIn profiles live under /in/, YouTube channels may be /c/ or /user/ as well as /@handle.
        var at = platform switch
        {
            SocialPlatform.Linkedin when segments is ["in", _, ..] => segments[1],
            SocialPlatform.Youtube when segments is ["c" or "user", _, ..] => segments[1],
            _ when segments.Length > 0 => segments[0],
            _ => null,
        };
        return at is null ? (null, $"'{v}' names no profile.") : (Uri.UnescapeDataString(at), null);
    }

    private static (Regex Pattern, string Rule) Rule(SocialPlatform platform) => platform switch
    {
        SocialPlatform.Instagram => (Instagram(), "1 to 30 letters, digits, '.' or '_', not starting or ending with '.'"),
        SocialPlatform.Tiktok => (TikTok(), "2 to 24 letters, digits, '.' or '_', not ending with '.'"),
        SocialPlatform.Youtube => (YouTube(), "3 to 30 letters, digits, '.', '_' or '-'"),
        SocialPlatform.Facebook => (Facebook(), "5 to 50 letters, digits or '.'"),
        SocialPlatform.X => (X(), "1 to 15 letters, digits or '_'"),
        _ => (LinkedIn(), "3 to 100 letters, digits or '-'"),
    };

    [GeneratedRegex("^(?!\\.)(?!.*\\.\\.)[a-z0-9._]{1,30}(?<!\\.)$")]
    private static partial Regex Instagram();

    [GeneratedRegex("^[a-z0-9._]{2,24}(?<!\\.)$")]
    private static partial Regex TikTok();

    [GeneratedRegex("^[a-z0-9._-]{3,30}$")]
    private static partial Regex YouTube();

    [GeneratedRegex("^[a-z0-9.]{5,50}$")]
    private static partial Regex Facebook();

    [GeneratedRegex("^[a-z0-9_]{1,15}$")]
    private static partial Regex X();

    [GeneratedRegex("^[a-z0-9-]{3,100}$")]
    private static partial Regex LinkedIn();
}

/// <summary>Creator tiers by followers, as the glossary defines them.</summary>
public static class Tiers
{
    public static IReadOnlyList<string> Names { get; } = ["nano", "micro", "mid", "macro", "mega"];

    /// <summary>nano &lt; 10k, micro 10k–100k, mid 100k–500k, macro 500k–1M, mega ≥ 1M; null when no audience is known.</summary>
    public static string? Of(long? followers) => followers switch
    {
        null => null,
        < 10_000 => "nano",
        < 100_000 => "micro",
        < 500_000 => "mid",
        < 1_000_000 => "macro",
        _ => "mega",
    };

    /// <summary>The follower range [from, to) of a tier, for filtering in the store; null when the name is no tier.</summary>
    public static (long From, long To)? Range(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "nano" => (0, 10_000),
        "micro" => (10_000, 100_000),
        "mid" => (100_000, 500_000),
        "macro" => (500_000, 1_000_000),
        "mega" => (1_000_000, long.MaxValue),
        _ => null,
    };
}
