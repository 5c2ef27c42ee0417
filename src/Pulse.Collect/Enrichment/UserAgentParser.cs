using System.Buffers;
using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;

namespace Pulse.Collect.Enrichment;

/// <summary>What a user-agent string says about the browser, the system and the device.</summary>
internal sealed record UserAgentInfo(string? Browser, string? BrowserVersion, string? Os, string? OsVersion, string? DeviceFamily, string DeviceType, bool IsBot, string? BotName);

/// <summary>
/// Parses user agents with the rules of ua-parser's <c>uap-core</c> (regexes.yaml, shipped as data),
/// and flags robots with those rules and the crawler-user-agents list. The rules are tried in
/// order; the first match wins, as every ua-parser port does.
/// </summary>
internal sealed class UserAgentParser
{
    public const int MaxLength = 512;
    // Bounds a crafted user agent's cost; generous because the first match of a rule also compiles it.
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(1);

    private readonly Rule[] _browsers;
    private readonly Rule[] _systems;
    private readonly Rule[] _devices;
    // Most crawler patterns are plain words: one multi-string search finds any of them; the few real
    // regular expressions go in one alternation, linear-time where .NET's engine allows it.
    private readonly SearchValues<string> _crawlerWords;
    private readonly Regex? _crawlerPatterns;
    private readonly Regex[] _crawlerEach;

    private sealed record Rule(Regex Regex, string? R1, string? R2, string? R3, string? R4, string? R5);

    public UserAgentParser()
    {
        var yaml = new YamlStream();
        using (var reader = new StreamReader(Resource("uap-regexes.yaml")))
            yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        _browsers = Rules(root, "user_agent_parsers", "family_replacement", "v1_replacement", "v2_replacement", "v3_replacement", null);
        _systems = Rules(root, "os_parsers", "os_replacement", "os_v1_replacement", "os_v2_replacement", "os_v3_replacement", "os_v4_replacement");
        _devices = Rules(root, "device_parsers", "device_replacement", "brand_replacement", "model_replacement", null, null);

        using var json = System.Text.Json.JsonDocument.Parse(Resource("crawler-user-agents.json"));
        var patterns = json.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray();
        _crawlerEach = patterns.Select(p => new Regex(p, RegexOptions.CultureInvariant, Timeout)).ToArray();
        _crawlerWords = SearchValues.Create(patterns.Select(PlainWord).OfType<string>().ToArray(), StringComparison.Ordinal);
        var others = patterns.Where(p => PlainWord(p) is null).ToArray();
        _crawlerPatterns = others.Length == 0 ? null : Alternation(others);
        // Warm up, so that the first visitor does not pay for compiling the rules.
        Parse("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36");
    }

    public UserAgentInfo Parse(string userAgent)
    {
        var ua = userAgent.Length > MaxLength ? userAgent[..MaxLength] : userAgent;
        try
        {
            var m = Match(ua);
            var botName = m.DeviceFamily == "Spider" ? m.Family : CrawlerName(ua);
            var isBot = botName is not null;
            return new UserAgentInfo(
                m.Family, Version(m.Major, m.Minor, m.Patch, null), m.OsFamily, Version(m.OsMajor, m.OsMinor, m.OsPatch, m.OsPatchMinor), m.DeviceFamily,
                isBot ? "bot" : DeviceType(ua, m.OsFamily, m.DeviceFamily), isBot, botName);
        }
        catch (RegexMatchTimeoutException)
        {
            return new UserAgentInfo(null, null, null, null, null, "other", false, null);
        }
    }

    /// <summary>
    /// Every field uap-core's specification defines, as its test corpus expects them: a family that
    /// no rule names is "Other", a version part that no group or replacement gives is null.
    /// </summary>
    internal UapMatch Match(string userAgent)
    {
        var ua = userAgent.Length > MaxLength ? userAgent[..MaxLength] : userAgent;
        var (browser, bMajor, bMinor, bPatch, _) = First(_browsers, ua);
        var (os, oMajor, oMinor, oPatch, oPatchMinor) = First(_systems, ua);
        var (device, brand, model, _, _) = First(_devices, ua, deviceDefaults: true);
        return new UapMatch(browser ?? "Other", bMajor, bMinor, bPatch, os ?? "Other", oMajor, oMinor, oPatch, oPatchMinor, device ?? "Other", brand, model);
    }

    private string? CrawlerName(string ua)
    {
        if (!IsCrawler(ua))
            return null;
        foreach (var r in _crawlerEach)
        {
            var m = r.Match(ua);
            if (m.Success)
                return Clean(m.Value);
        }
        return "robot";
    }

    /// <summary>Whether any pattern of the crawler list matches (microseconds, where trying each pattern in turn took milliseconds).</summary>
    internal bool IsCrawler(string ua) => ua.AsSpan().IndexOfAny(_crawlerWords) >= 0 || _crawlerPatterns?.IsMatch(ua) == true;

    /// <summary>The text a pattern matches when it has no operator (escaped punctuation counts as itself), else null.</summary>
    internal static string? PlainWord(string pattern)
    {
        var word = new StringBuilder(pattern.Length);
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\')
            {
                // \/ or \. stand for themselves; \d, \b, \s and the like are operators.
                if (i + 1 < pattern.Length && !char.IsLetterOrDigit(pattern[i + 1]))
                {
                    word.Append(pattern[++i]);
                    continue;
                }
                return null;
            }
            if ("^$.|?*+()[]{}".Contains(c, StringComparison.Ordinal))
                return null;
            word.Append(c);
        }
        return word.Length == 0 ? null : word.ToString();
    }

    private static Regex Alternation(string[] patterns)
    {
        var joined = string.Join('|', patterns.Select(p => "(?:" + p + ")"));
        try
        {
            return new Regex(joined, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking, Timeout);
        }
        catch (NotSupportedException)
        {
            // A construct the linear engine lacks (a back-reference, a look-around): the backtracking engine then.
            return new Regex(joined, RegexOptions.CultureInvariant | RegexOptions.Compiled, Timeout);
        }
    }

    private static string Clean(string matched)
    {
        var name = matched.Trim().TrimEnd('/', ' ', '-', '_', ';', '(');
        return name.Length == 0 ? "robot" : name.Length > 60 ? name[..60] : name;
    }

    private static string DeviceType(string ua, string os, string? device)
    {
        if (device is "iPad" || ua.Contains("Tablet", StringComparison.OrdinalIgnoreCase)
            || (os == "Android" && !ua.Contains("Mobile", StringComparison.Ordinal)))
            return "tablet";
        if (os is "iOS" or "Android" or "Windows Phone" or "BlackBerry OS" or "KaiOS" or "HarmonyOS"
            || device is "iPhone" || ua.Contains("Mobile", StringComparison.Ordinal))
            return "mobile";
        if (os is "Windows" or "Mac OS X" or "Linux" or "Ubuntu" or "Chrome OS" or "Fedora" or "Debian" or "FreeBSD" or "macOS")
            return "desktop";
        return "other";
    }

    private static string? Version(string? major, string? minor, string? patch, string? patchMinor) =>
        string.IsNullOrEmpty(major) ? null
        : string.IsNullOrEmpty(minor) ? major
        : string.IsNullOrEmpty(patch) ? major + "." + minor
        : string.IsNullOrEmpty(patchMinor) ? major + "." + minor + "." + patch
        : major + "." + minor + "." + patch + "." + patchMinor;

    private static (string?, string?, string?, string?, string?) First(Rule[] rules, string ua, bool deviceDefaults = false)
    {
        foreach (var rule in rules)
        {
            var m = rule.Regex.Match(ua);
            if (!m.Success)
                continue;
            // A device rule's brand has no default group and its model defaults to the first group
            // (uap-core's specification); browser and system fields default to groups 1 to 5 in turn.
            return deviceDefaults
                ? (Field(m, rule.R1, 1), Field(m, rule.R2, 0), Field(m, rule.R3, 1), null, null)
                : (Field(m, rule.R1, 1), Field(m, rule.R2, 2), Field(m, rule.R3, 3), Field(m, rule.R4, 4), Field(m, rule.R5, 5));
        }
        return (null, null, null, null, null);
    }

    private static string? Field(Match m, string? replacement, int group)
    {
        if (replacement is null)
            return group == 0 ? null : m.Groups.Count > group && m.Groups[group].Success && m.Groups[group].Length > 0 ? m.Groups[group].Value.Trim() : null;
        var value = replacement;
        for (var g = 1; g < 10; g++)
        {
            var token = "$" + g.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (value.Contains(token, StringComparison.Ordinal))
                value = value.Replace(token, m.Groups.Count > g && m.Groups[g].Success ? m.Groups[g].Value : "", StringComparison.Ordinal);
        }
        value = value.Trim();
        return value.Length == 0 ? null : value;
    }

    private static Rule[] Rules(YamlMappingNode root, string section, string? r1, string? r2, string? r3, string? r4, string? r5)
    {
        var list = new List<Rule>();
        foreach (var node in ((YamlSequenceNode)root.Children[new YamlScalarNode(section)]).Children.Cast<YamlMappingNode>())
        {
            string? Get(string? key) => key is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var v) ? ((YamlScalarNode)v).Value : null;
            var options = RegexOptions.CultureInvariant;
            if (Get("regex_flag") == "i")
                options |= RegexOptions.IgnoreCase;
            list.Add(new Rule(new Regex(Get("regex")!, options, Timeout), Get(r1), Get(r2), Get(r3), Get(r4), Get(r5)));
        }
        return list.ToArray();
    }

    internal static Stream Resource(string name) =>
        Assembly.GetExecutingAssembly().GetManifestResourceStream("Pulse.Collect.Data." + name)
        ?? throw new InvalidOperationException($"The data file {name} is missing from the Collect module.");
}
