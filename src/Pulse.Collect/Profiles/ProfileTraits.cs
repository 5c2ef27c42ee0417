using System.Text.Json;
using System.Text.Json.Nodes;

namespace Pulse.Collect.Profiles;

/// <summary>
/// Traits stored with the time each was last set (<c>{"name":{"v":value,"t":unixMs}}</c>), so that
/// every merge is last-write-wins per trait by the event's timestamp, whatever order events arrive in.
/// </summary>
internal static class ProfileTraits
{
    public const int MaxTraits = 500;

    /// <summary>Sets the traits of an identify message sent at <paramref name="at"/> where they are newer than the stored ones.</summary>
    public static string Apply(string stored, JsonElement traits, DateTimeOffset at)
    {
        if (traits.ValueKind != JsonValueKind.Object)
            return stored;
        var map = Parse(stored);
        var t = at.ToUnixTimeMilliseconds();
        var changed = false;
        foreach (var p in traits.EnumerateObject())
        {
            if (map.Count >= MaxTraits && !map.ContainsKey(p.Name))
                continue;
            if (map[p.Name] is JsonObject old && old["t"]?.GetValue<long>() > t)
                continue;
            map[p.Name] = new JsonObject { ["v"] = JsonNode.Parse(p.Value.GetRawText()), ["t"] = t };
            changed = true;
        }
        return changed ? map.ToJsonString() : stored;
    }

    /// <summary>Both profiles' traits, the newer value of each.</summary>
    public static string Merge(string into, string from)
    {
        var a = Parse(into);
        var b = Parse(from);
        foreach (var (name, node) in b.ToList())
        {
            var tb = node?["t"]?.GetValue<long>() ?? 0;
            var ta = a[name]?["t"]?.GetValue<long>();
            if (ta is null ? a.Count < MaxTraits : tb > ta)
                a[name] = node?.DeepClone();
        }
        return a.ToJsonString();
    }

    /// <summary>The traits' values without their times.</summary>
    public static Dictionary<string, JsonElement> Values(string stored)
    {
        var result = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        using var doc = JsonDocument.Parse(stored);
        foreach (var p in doc.RootElement.EnumerateObject())
        {
            if (p.Value.TryGetProperty("v", out var v))
                result[p.Name] = v.Clone();
        }
        return result;
    }

    private static JsonObject Parse(string stored) => JsonNode.Parse(stored) as JsonObject ?? [];
}
