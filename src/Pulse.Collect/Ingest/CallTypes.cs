namespace Pulse.Collect.Ingest;

/// <summary>The six Segment call types.</summary>
internal static class CallTypes
{
    public const string Track = "track";
    public const string Identify = "identify";
    public const string Page = "page";
    public const string Screen = "screen";
    public const string Group = "group";
    public const string Alias = "alias";

    public static readonly IReadOnlyList<string> All = [Track, Identify, Page, Screen, Group, Alias];

    /// <summary>The call type a path names: <c>track</c> or analytics.js's short <c>t</c> …; null for batch paths.</summary>
    public static string? FromPath(string segment) => segment switch
    {
        "track" or "t" => Track,
        "identify" or "i" => Identify,
        "page" or "p" => Page,
        "screen" or "s" => Screen,
        "group" or "g" => Group,
        "alias" or "a" => Alias,
        _ => null,
    };

    public static string? Normalise(string? type) => type switch
    {
        Track or Identify or Page or Screen or Group or Alias => type,
        _ => null,
    };
}
