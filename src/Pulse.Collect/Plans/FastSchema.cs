using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Pulse.Collect.Plans;

/// <summary>
/// A quick check for the plain schemas plans are mostly made of (type, properties, required,
/// additionalProperties, enum, const, pattern, bounds, items). It only ever answers "valid" when
/// the JSON Schema evaluator would; in doubt it answers "not sure" and the evaluator decides. It
/// exists because the evaluator costs several times the rest of ingest for an event that passes.
/// A schema with any other keyword gets no quick check. Where it answers, it answers as the
/// evaluator does (a property test holds them together): numbers are compared as exact decimals,
/// strings are measured in text elements, and strings under a <c>format</c> are left to the evaluator.
/// </summary>
internal sealed class FastSchema
{
    [Flags]
    private enum Kinds
    {
        None = 0,
        Null = 1,
        Boolean = 2,
        Object = 4,
        Array = 8,
        Number = 16,
        Integer = 32,
        String = 64,
    }

    private static readonly HashSet<string> Annotations = new(StringComparer.Ordinal)
    {
        "title", "description", "$comment", "examples", "default", "deprecated", "readOnly", "writeOnly",
    };

    private bool _false;
    private bool _format;
    private Kinds _types;
    private Dictionary<string, FastSchema>? _properties;
    private string[]? _required;
    private FastSchema? _additional;
    private JsonElement[]? _enum;
    private JsonElement? _const;
    private Regex? _pattern;
    private decimal? _minimum, _maximum, _exclusiveMinimum, _exclusiveMaximum;
    private int? _minLength, _maxLength, _minItems, _maxItems;
    private FastSchema? _items;

    /// <summary>The quick check for <paramref name="schema"/>, or null when it uses something the quick check does not know.</summary>
    public static FastSchema? TryBuild(JsonElement schema, int depth = 0)
    {
        if (depth > 32)
            return null;
        if (schema.ValueKind is JsonValueKind.True or JsonValueKind.False)
            return new FastSchema { _false = schema.ValueKind == JsonValueKind.False };
        if (schema.ValueKind != JsonValueKind.Object)
            return null;
        var f = new FastSchema();
        foreach (var p in schema.EnumerateObject())
        {
            var v = p.Value;
            switch (p.Name)
            {
                case "type":
                    if (v.ValueKind == JsonValueKind.String)
                    {
                        if (Kind(v.GetString()) is not { } k)
                            return null;
                        f._types |= k;
                    }
                    else if (v.ValueKind == JsonValueKind.Array && v.GetArrayLength() > 0)
                    {
                        // An empty list allows no type at all; it is left to the evaluator.
                        foreach (var t in v.EnumerateArray())
                        {
                            if (t.ValueKind != JsonValueKind.String || Kind(t.GetString()) is not { } k)
                                return null;
                            f._types |= k;
                        }
                    }
                    else
                        return null;
                    break;
                case "properties":
                    if (v.ValueKind != JsonValueKind.Object)
                        return null;
                    f._properties = new Dictionary<string, FastSchema>(StringComparer.Ordinal);
                    foreach (var sub in v.EnumerateObject())
                    {
                        if (TryBuild(sub.Value, depth + 1) is not { } s)
                            return null;
                        f._properties[sub.Name] = s;
                    }
                    break;
                case "required":
                    if (v.ValueKind != JsonValueKind.Array || v.EnumerateArray().Any(r => r.ValueKind != JsonValueKind.String))
                        return null;
                    f._required = v.EnumerateArray().Select(r => r.GetString()!).ToArray();
                    break;
                case "additionalProperties":
                    if (TryBuild(v, depth + 1) is not { } additional)
                        return null;
                    f._additional = additional;
                    break;
                case "items":
                    if (TryBuild(v, depth + 1) is not { } items)
                        return null;
                    f._items = items;
                    break;
                // The evaluator cannot compare with a number no decimal holds (it fails on the event), so such lists get no quick check.
                case "enum":
                    if (v.ValueKind != JsonValueKind.Array || !AllExact(v))
                        return null;
                    f._enum = v.EnumerateArray().Select(e => e.Clone()).ToArray();
                    break;
                case "const":
                    if (!AllExact(v))
                        return null;
                    f._const = v.Clone();
                    break;
                case "pattern":
                    if (v.ValueKind != JsonValueKind.String)
                        return null;
                    try
                    {
                        f._pattern = new Regex(v.GetString()!, RegexOptions.ECMAScript | RegexOptions.CultureInvariant, PlanValidator.PatternTimeout);
                    }
                    catch (ArgumentException)
                    {
                        return null;
                    }
                    break;
                case "minimum" or "maximum" or "exclusiveMinimum" or "exclusiveMaximum":
                    if (v.ValueKind != JsonValueKind.Number || !ExactDecimal(v, out var bound))
                        return null;
                    if (p.Name == "minimum")
                        f._minimum = bound;
                    else if (p.Name == "maximum")
                        f._maximum = bound;
                    else if (p.Name == "exclusiveMinimum")
                        f._exclusiveMinimum = bound;
                    else
                        f._exclusiveMaximum = bound;
                    break;
                case "minLength" or "maxLength" or "minItems" or "maxItems":
                    if (v.ValueKind != JsonValueKind.Number || !v.TryGetInt32(out var n) || n < 0)
                        return null;
                    if (p.Name == "minLength")
                        f._minLength = n;
                    else if (p.Name == "maxLength")
                        f._maxLength = n;
                    else if (p.Name == "minItems")
                        f._minItems = n;
                    else
                        f._maxItems = n;
                    break;
                case "format":
                    // The evaluator asserts the formats it knows (email, date, uri …): such strings are left to it.
                    f._format = true;
                    break;
                default:
                    if (!Annotations.Contains(p.Name))
                        return null;
                    break;
            }
        }
        return f;
    }

    /// <summary>True only when the instance certainly passes; false means "ask the evaluator".</summary>
    public bool Accepts(JsonElement x)
    {
        if (_false)
            return false;
        if (_types != Kinds.None && (_types & KindOf(x)) == 0)
            return false;
        if (_enum is not null && !_enum.Any(e => Same(x, e)))
            return false;
        if (_const is { } c && !Same(x, c))
            return false;
        switch (x.ValueKind)
        {
            case JsonValueKind.String:
                if (_format)
                    return false;
                if (_pattern is not null || _minLength is not null || _maxLength is not null)
                {
                    var s = x.GetString()!;
                    if (_pattern is not null && !_pattern.IsMatch(s))
                        return false;
                    if (_minLength is not null || _maxLength is not null)
                    {
                        var length = Length(s);
                        if (length < _minLength || length > _maxLength)
                            return false;
                    }
                }
                break;
            case JsonValueKind.Number:
                if (_minimum is not null || _maximum is not null || _exclusiveMinimum is not null || _exclusiveMaximum is not null)
                {
                    if (!ExactDecimal(x, out var d))
                        return false;
                    if (d < _minimum || d > _maximum || d <= _exclusiveMinimum || d >= _exclusiveMaximum)
                        return false;
                }
                break;
            case JsonValueKind.Object:
                if (_required is not null)
                {
                    foreach (var r in _required)
                    {
                        if (!x.TryGetProperty(r, out _))
                            return false;
                    }
                }
                if (_properties is not null || _additional is not null)
                {
                    foreach (var p in x.EnumerateObject())
                    {
                        if (_properties is not null && _properties.TryGetValue(p.Name, out var sub))
                        {
                            if (!sub.Accepts(p.Value))
                                return false;
                        }
                        else if (_additional is not null && !_additional.Accepts(p.Value))
                            return false;
                    }
                }
                break;
            case JsonValueKind.Array:
                var count = x.GetArrayLength();
                if (count < _minItems || count > _maxItems)
                    return false;
                if (_items is not null)
                {
                    foreach (var item in x.EnumerateArray())
                    {
                        if (!_items.Accepts(item))
                            return false;
                    }
                }
                break;
        }
        return true;
    }

    private static Kinds? Kind(string? name) => name switch
    {
        "null" => Kinds.Null,
        "boolean" => Kinds.Boolean,
        "object" => Kinds.Object,
        "array" => Kinds.Array,
        "number" => Kinds.Number | Kinds.Integer,
        "integer" => Kinds.Integer,
        "string" => Kinds.String,
        _ => null,
    };

    private static Kinds KindOf(JsonElement x) => x.ValueKind switch
    {
        JsonValueKind.Null => Kinds.Null,
        JsonValueKind.True or JsonValueKind.False => Kinds.Boolean,
        JsonValueKind.Object => Kinds.Object,
        JsonValueKind.Array => Kinds.Array,
        JsonValueKind.String => Kinds.String,
        // Written without fraction or exponent, or an exact decimal without one (1.0): an integer, as
        // the evaluator says; otherwise a number (an integer too long to hold is left to the evaluator).
        JsonValueKind.Number => JsonMarshal.GetRawUtf8Value(x).IndexOfAny((byte)'.', (byte)'e', (byte)'E') < 0
            || (ExactDecimal(x, out var d) && d == decimal.Truncate(d)) ? Kinds.Integer : Kinds.Number,
        _ => Kinds.None,
    };

    /// <summary>
    /// The number as a decimal when that is exact: at most 28 characters and no exponent (so at most
    /// 28 digits). TryGetDecimal alone rounds 1.00000000000000000000000000001 to 1, which the evaluator
    /// does not do against a bound.
    /// </summary>
    private static bool ExactDecimal(JsonElement x, out decimal value)
    {
        var raw = JsonMarshal.GetRawUtf8Value(x);
        if (raw.Length <= 28 && raw.IndexOfAny((byte)'e', (byte)'E') < 0)
            return x.TryGetDecimal(out value);
        value = 0;
        return false;
    }

    private static bool AllExact(JsonElement x) => x.ValueKind switch
    {
        JsonValueKind.Number => ExactDecimal(x, out _),
        JsonValueKind.Array => x.EnumerateArray().All(AllExact),
        JsonValueKind.Object => x.EnumerateObject().All(p => AllExact(p.Value)),
        _ => true,
    };

    /// <summary>The length the evaluator gives a string: text elements (an e with a combining accent, a flag, CRLF are one each).</summary>
    private static int Length(string s) =>
        s.AsSpan().ContainsAnyExceptInRange(' ', '~') ? new StringInfo(s).LengthInTextElements : s.Length;

    // Equal JSON values as the evaluator compares them (numbers by value, objects whatever their
    // members' order); a number no decimal holds exactly counts as different (the evaluator decides).
    private static bool Same(JsonElement a, JsonElement b)
    {
        if (a.ValueKind != b.ValueKind)
            return false;
        switch (a.ValueKind)
        {
            case JsonValueKind.String:
                return a.ValueEquals(b.GetString());
            case JsonValueKind.Number:
                return ExactDecimal(a, out var x) && ExactDecimal(b, out var y) && x == y;
            case JsonValueKind.Array:
                if (a.GetArrayLength() != b.GetArrayLength())
                    return false;
                using (var other = b.EnumerateArray().GetEnumerator())
                {
                    foreach (var item in a.EnumerateArray())
                    {
                        other.MoveNext();
                        if (!Same(item, other.Current))
                            return false;
                    }
                }
                return true;
            case JsonValueKind.Object:
                var count = 0;
                foreach (var p in a.EnumerateObject())
                {
                    count++;
                    if (!b.TryGetProperty(p.Name, out var q) || !Same(p.Value, q))
                        return false;
                }
                return count == b.EnumerateObject().Count();
            default:
                return true;
        }
    }
}
