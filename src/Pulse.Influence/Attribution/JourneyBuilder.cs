using Pulse.Collect.Events;

namespace Pulse.Influence.Attribution;

/// <summary>What a report's touches are named by: their channel, their campaign or their creator.</summary>
public enum AttributionLevel
{
    Channel,
    Campaign,
    Creator,
}

/// <summary>One touch of a person's journey, at every level at once.</summary>
internal readonly record struct Touch(DateTimeOffset At, string Channel, string? Campaign, Guid? Creator)
{
    public string Key(AttributionLevel level) => level switch
    {
        AttributionLevel.Channel => Channel,
        AttributionLevel.Campaign => Campaign ?? JourneyBuilder.None,
        _ => Creator?.ToString() ?? JourneyBuilder.None,
    };
}

/// <summary>A conversion to attribute: whose, when, worth what, and the touch of its discount code if it had one.</summary>
internal sealed record ConversionPoint(string Person, DateTimeOffset At, double Value, Guid? CodeCreator, string? CodeCampaign);

/// <summary>
/// Turns the log's touchpoints and the recorded conversions into journeys. A person's journey to a
/// conversion is their touches within the lookback window before it and after their previous
/// conversion; touches after their last conversion are a path that did not convert (Markov counts
/// those). Bots' touches are left out, and a touch that repeats the one before within
/// <see cref="SameVisit"/> (a link's click and the landing page it led to) counts once.
/// </summary>
internal sealed class JourneyBuilder
{
    /// <summary>The key of touches without a campaign or creator, and the path of a conversion without any touch.</summary>
    public const string None = "(none)";
    public const string Direct = "(direct)";
    public const string CodeChannel = "code";
    public static readonly TimeSpan SameVisit = TimeSpan.FromMinutes(30);
    /// <summary>Only the latest touches of a very long journey count (as in Google Analytics' paths).</summary>
    public const int MaxPath = 50;

    private static readonly HashSet<string> Platforms = new(Enum.GetNames<Creators.SocialPlatform>().Select(n => n.ToLowerInvariant()), StringComparer.Ordinal);
    private readonly IReadOnlyDictionary<string, Guid> _handles;
    private readonly string _ownEvent;

    /// <param name="handles">Each creator's handles (lower case, without @) to the creator, to recognise their UTM-tagged visits.</param>
    /// <param name="ownEvent">The link click event, whose properties name the link's creator, campaign and platform.</param>
    public JourneyBuilder(IReadOnlyDictionary<string, Guid> handles, string ownEvent)
    {
        _handles = handles;
        _ownEvent = ownEvent;
    }

    /// <summary>The touch a touchpoint is, or null for one that is not (a bot's).</summary>
    public Touch? Classify(Touchpoint t)
    {
        if (t.IsBot)
            return null;
        if (t.Event == _ownEvent)
        {
            return new Touch(t.At, Lower(t.Platform) ?? "link", Blank(t.Campaign), Guid.TryParse(t.Creator, out var c) ? c : null);
        }
        var source = Lower(t.UtmSource);
        var medium = Lower(t.UtmMedium);
        var referrer = t.ReferrerType == "social" ? Lower(t.ReferrerName) : null;
        Guid? creator = null;
        string channel;
        if (medium is "influencer" or "affiliate")
        {
            creator = Creator(t.UtmContent) ?? Creator(t.UtmSource);
            channel = source is not null && Platforms.Contains(source) ? source : referrer ?? source ?? medium;
        }
        else if (t.AdNetwork is { } ad)
            channel = ad + "_ads";
        else if (medium == "email" || t.ReferrerType == "email")
            channel = "email";
        else if (source is not null)
            channel = source;
        else if (referrer is not null)
            channel = referrer;
        else if (t.ReferrerType == "search")
            channel = "organic_search";
        else
            return null;
        return new Touch(t.At, channel, Blank(t.UtmCampaign), creator);
    }

    private Guid? Creator(string? handle) =>
        handle is { Length: > 0 } && _handles.TryGetValue(handle.Trim().TrimStart('@').ToLowerInvariant(), out var id) ? id : null;

    /// <summary>
    /// The journeys of <paramref name="conversions"/> (each with its value) and the paths that did
    /// not convert, over <paramref name="touches"/> grouped by person.
    /// </summary>
    /// <param name="codeFirst">A conversion with a creator's code is that creator's alone: its journey is the code's touch.</param>
    /// <param name="from">Paths that did not convert count when their last touch is at or after this.</param>
    public static List<(List<Touch> Path, ConversionPoint? Conversion)> Journeys(
        Dictionary<string, List<Touch>> touches, IEnumerable<ConversionPoint> conversions, TimeSpan lookback, bool codeFirst, DateTimeOffset from)
    {
        var result = new List<(List<Touch>, ConversionPoint?)>();
        var byPerson = conversions.GroupBy(c => c.Person, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.OrderBy(c => c.At).ToList(), StringComparer.Ordinal);
        foreach (var list in touches.Values)
            list.Sort((a, b) => a.At.CompareTo(b.At));
        foreach (var (person, converted) in byPerson)
        {
            var own = touches.GetValueOrDefault(person) ?? [];
            var i = 0;
            foreach (var c in converted)
            {
                // Touches up to the previous conversion were its journey (the loop consumed them).
                var path = new List<Touch>();
                for (; i < own.Count && own[i].At <= c.At; i++)
                {
                    if (own[i].At >= c.At - lookback)
                        Add(path, own[i]);
                }
                if (c.CodeCreator is { } creator)
                {
                    // The code's touch takes the channel of the creator's own latest touch (where the code was seen), else "code".
                    var seen = path.FindLastIndex(t => t.Creator == creator);
                    var code = new Touch(c.At, seen >= 0 ? path[seen].Channel : CodeChannel, c.CodeCampaign ?? (seen >= 0 ? path[seen].Campaign : null), creator);
                    if (codeFirst)
                        path = [code];
                    else
                        Add(path, code);
                }
                result.Add((Trim(path), c));
            }
            var rest = new List<Touch>();
            for (; i < own.Count; i++)
                Add(rest, own[i]);
            if (rest.Count > 0 && rest[^1].At >= from)
                result.Add((Trim(rest), null));
        }
        foreach (var (person, own) in touches)
        {
            if (byPerson.ContainsKey(person) || own.Count == 0 || own[^1].At < from)
                continue;
            var path = new List<Touch>();
            foreach (var t in own)
            {
                if (t.At >= own[^1].At - lookback)
                    Add(path, t);
            }
            result.Add((Trim(path), null));
        }
        return result;
    }

    /// <summary>The journeys named at one level, ready for <see cref="Attributor"/>; equal paths without timestamps are grouped.</summary>
    public static List<Journey> AtLevel(List<(List<Touch> Path, ConversionPoint? Conversion)> journeys, AttributionLevel level)
    {
        var list = new List<Journey>(journeys.Count);
        var nulls = new Dictionary<string, (List<string> Path, double Count)>(StringComparer.Ordinal);
        foreach (var (path, conversion) in journeys)
        {
            if (conversion is null)
            {
                var keys = path.Select(t => t.Key(level)).ToList();
                var id = string.Join('\u001f', keys);
                nulls[id] = (keys, nulls.TryGetValue(id, out var n) ? n.Count + 1 : 1);
                continue;
            }
            if (path.Count == 0)
                list.Add(new Journey([Direct], 1, conversion.Value, 0, [conversion.At], conversion.At));
            else
                list.Add(new Journey(path.Select(t => t.Key(level)).ToList(), 1, conversion.Value, 0, path.Select(t => t.At).ToList(), conversion.At));
        }
        foreach (var (keys, count) in nulls.Values)
            list.Add(new Journey(keys, 0, 0, count));
        return list;
    }

    private static void Add(List<Touch> path, Touch t)
    {
        if (path.Count > 0 && path[^1] is var last && last.Channel == t.Channel && last.Campaign == t.Campaign
            && (last.Creator == t.Creator || t.Creator is null || last.Creator is null) && t.At - last.At <= SameVisit)
        {
            // The same touch again within a visit; keep the first, but learn its creator if only the repeat names one.
            if (last.Creator is null && t.Creator is not null)
                path[^1] = last with { Creator = t.Creator };
            return;
        }
        path.Add(t);
    }

    private static List<Touch> Trim(List<Touch> path) => path.Count <= MaxPath ? path : path.GetRange(path.Count - MaxPath, MaxPath);

    private static string? Lower(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim().ToLowerInvariant();

    private static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
}
