using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pulse.Destinations.Mapping;

/// <summary>How a condition compares.</summary>
internal enum ConditionOp
{
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
    Contains,
    In,
    Exists,
    NotExists,
}

/// <summary>One property condition of a destination's event filter: the value at <paramref name="Path"/> of the message compared with <paramref name="Value"/>.</summary>
/// <param name="Path">A dot path into the Segment-spec message: <c>properties.revenue</c>, <c>context.page.path</c>, <c>type</c>.</param>
internal sealed record EventCondition(string Path, ConditionOp Op, JsonElement? Value);

/// <summary>
/// Property conditions of a destination's event filter (<c>config.conditions</c>): every one must
/// hold for an event to be sent (as RudderStack's and Segment's destination filters allow: send only
/// orders above 100, only events from the checkout path …). Numbers compare as numbers, text as
/// text (case-sensitive); a path that is missing makes every comparison false except
/// <c>notExists</c> (and <c>neq</c>).
/// </summary>
internal static partial class EventConditions
{
    public const int MaxConditions = 20;

    /// <summary>Reads <c>config.conditions</c>; problems keyed like the rest of the config.</summary>
    public static List<EventCondition> Parse(JsonElement conditions, Action<string, string> problem)
    {
        var list = new List<EventCondition>();
        if (conditions.ValueKind != JsonValueKind.Array || conditions.GetArrayLength() > MaxConditions)
        {
            problem("config.conditions", $"config.conditions is an array of at most {MaxConditions} {{\"path\", \"op\", \"value\"}} objects.");
            return list;
        }
        var i = 0;
        foreach (var c in conditions.EnumerateArray())
        {
            var where = $"conditions[{i++}]";
            if (c.ValueKind != JsonValueKind.Object
                || !c.TryGetProperty("path", out var path) || path.ValueKind != JsonValueKind.String || !PathPattern().IsMatch(path.GetString()!)
                || !c.TryGetProperty("op", out var opText) || opText.ValueKind != JsonValueKind.String
                || !Enum.TryParse<ConditionOp>(opText.GetString(), ignoreCase: true, out var op) || int.TryParse(opText.GetString(), out _))
            {
                problem("config.conditions", $"{where} needs a path (a dot path such as properties.revenue) and an op ({string.Join(", ", Enum.GetNames<ConditionOp>().Select(JsonNamingPolicy.CamelCase.ConvertName))}).");
                continue;
            }
            JsonElement? value = c.TryGetProperty("value", out var v) ? v.Clone() : null;
            var fits = op switch
            {
                ConditionOp.Exists or ConditionOp.NotExists => value is null,
                ConditionOp.Gt or ConditionOp.Gte or ConditionOp.Lt or ConditionOp.Lte => value?.ValueKind == JsonValueKind.Number,
                ConditionOp.Contains => value?.ValueKind == JsonValueKind.String,
                ConditionOp.In => value?.ValueKind == JsonValueKind.Array && value.Value.GetArrayLength() is > 0 and <= 100,
                _ => value?.ValueKind is JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False or JsonValueKind.Null,
            };
            if (!fits)
            {
                problem("config.conditions", op switch
                {
                    ConditionOp.Exists or ConditionOp.NotExists => $"{where}: {Name(op)} takes no value.",
                    ConditionOp.Gt or ConditionOp.Gte or ConditionOp.Lt or ConditionOp.Lte => $"{where}: {Name(op)} compares with a number.",
                    ConditionOp.Contains => $"{where}: contains needs a text value.",
                    ConditionOp.In => $"{where}: in needs an array of 1 to 100 values.",
                    _ => $"{where}: {Name(op)} needs a text, number, true, false or null value.",
                });
                continue;
            }
            list.Add(new EventCondition(path.GetString()!, op, value));
        }
        return list;
    }

    /// <summary>Whether <paramref name="message"/> meets every condition.</summary>
    public static bool Matches(IReadOnlyList<EventCondition> conditions, JsonElement message)
    {
        foreach (var c in conditions)
        {
            if (!Holds(c, Find(message, c.Path)))
                return false;
        }
        return true;
    }

    private static bool Holds(EventCondition c, JsonElement? found)
    {
        switch (c.Op)
        {
            case ConditionOp.Exists:
                return found is { ValueKind: not JsonValueKind.Null };
            case ConditionOp.NotExists:
                return found is null or { ValueKind: JsonValueKind.Null };
        }
        if (found is not { } v)
            return c.Op == ConditionOp.Neq;
        var want = c.Value!.Value;
        return c.Op switch
        {
            ConditionOp.Eq => Same(v, want),
            ConditionOp.Neq => !Same(v, want),
            ConditionOp.In => want.EnumerateArray().Any(w => Same(v, w)),
            ConditionOp.Contains => v.ValueKind == JsonValueKind.String && v.GetString()!.Contains(want.GetString()!, StringComparison.Ordinal),
            _ => Number(v) is { } n && Compare(c.Op, n, want.GetDouble()),
        };
    }

    private static bool Compare(ConditionOp op, double a, double b) => op switch
    {
        ConditionOp.Gt => a > b,
        ConditionOp.Gte => a >= b,
        ConditionOp.Lt => a < b,
        _ => a <= b,
    };

    private static bool Same(JsonElement a, JsonElement b)
    {
        if (Number(a) is { } x && b.ValueKind == JsonValueKind.Number)
            return x == b.GetDouble();
        return (a.ValueKind, b.ValueKind) switch
        {
            (JsonValueKind.String, JsonValueKind.String) => a.GetString() == b.GetString(),
            (JsonValueKind.True or JsonValueKind.False, JsonValueKind.True or JsonValueKind.False) => a.ValueKind == b.ValueKind,
            (JsonValueKind.Null, JsonValueKind.Null) => true,
            _ => false,
        };
    }

    /// <summary>A number, or text that is one ("49.90" as shops often send prices).</summary>
    private static double? Number(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.Number => v.GetDouble(),
        JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    private static JsonElement? Find(JsonElement message, string path)
    {
        var v = message;
        foreach (var part in path.Split('.'))
        {
            if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty(part, out v))
                return null;
        }
        return v;
    }

    private static string Name(ConditionOp op) => JsonNamingPolicy.CamelCase.ConvertName(op.ToString());

    [GeneratedRegex("^[A-Za-z_$][A-Za-z0-9_$-]{0,99}(\\.[A-Za-z0-9_$ -]{1,100}){0,9}$")]
    private static partial Regex PathPattern();
}
