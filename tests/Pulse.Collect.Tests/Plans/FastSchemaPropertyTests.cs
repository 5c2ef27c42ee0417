using System.Text.Json;
using CsCheck;
using Json.Schema;
using Pulse.Collect.Plans;

namespace Pulse.Collect.Tests.Plans;

/// <summary>
/// The quick schema check against the JSON Schema evaluator it stands in for (JsonSchema.Net), over
/// generated schemas of the subset it knows and generated JSON values: numbers written in several
/// ways and beyond a decimal's precision, strings with combining marks, flags, CRLF, non-ASCII
/// digits and spaces, nested objects and arrays.
/// </summary>
public sealed class FastSchemaPropertyTests
{
    private static readonly string[] Names = ["a", "b", "c"];

    private static readonly string[] Numbers =
    [
        "0", "1", "-1", "2", "3", "5", "10", "11", "-0", "1.0", "2.5", "2.50", "0.1", "0.3", "1e0", "1E2", "2.5e-1",
        "0.29999999999999999", "0.30000000000000001", "1.00000000000000000000000000001", "0.00000000000000000000000000001",
        "123456789012345678901234567890", "79228162514264337593543950335", "1e400",
    ];

    private static readonly string[] Strings =
    [
        "", "a", "ab", "abc", "ABC", "PLN", "gold", "123", "\u0663\u0663", "é", "e\u0301", "x\u0301", "\u0301", "😀", "😀😀", "🇵🇱", "👍🏽",
        "\r\n", "a\n", " ", "\u00a0", "2020-01-01", "not a date", "x@example.com", "_",
    ];

    private static readonly string[] Patterns =
    [
        "^[a-z]+$", "^\\d+$", "^\\D+$", "^\\w*$", "^\\W$", "\\s", "^\\S+$", "^.$", "^..$", "^.{2}$", "[A-Z]", "^é", "^\\p{L}+$", "^$", "a$", "(?i)^abc$", "^\\u00e9$",
    ];

    private static readonly string[] Types = ["null", "boolean", "object", "array", "number", "integer", "string"];

    private static readonly Gen<string> Scalar = Gen.Frequency(
        (1, Gen.OneOf("null", "true", "false")),
        (3, Gen.OneOf(Numbers)),
        (3, Gen.OneOf(Strings).Select(s => JsonSerializer.Serialize(s))));

    private static Gen<string> Value(int depth) => depth == 0
        ? Scalar
        : Gen.Frequency(
            (4, Scalar),
            (1, Value(depth - 1).Array[0, 3].Select(items => "[" + string.Join(',', items) + "]")),
            (2, Members(Value(depth - 1))));

    /// <summary>An object of up to four members named from <see cref="Names"/> (and one other name), each a distinct name.</summary>
    private static Gen<string> Members(Gen<string> value) =>
        (from name in Gen.OneOf([.. Names, "d"])
         from v in value
         select (name, v)).Array[0, 4]
        .Select(ms => "{" + string.Join(',', ms.DistinctBy(m => m.name).Select(m => JsonSerializer.Serialize(m.name) + ":" + m.v)) + "}");

    private static Gen<string> Schema(int depth) => Gen.Frequency(
        (1, Gen.OneOf("true", "false")),
        (9, Keyword(depth).Array[0, 5].Select(ks => "{" + string.Join(',', ks.DistinctBy(k => k.Name).Select(k => JsonSerializer.Serialize(k.Name) + ":" + k.Json)) + "}")));

    private static Gen<(string Name, string Json)> Keyword(int depth)
    {
        var keywords = new List<(int, IGen<(string, string)>)>
        {
            (3, Gen.Frequency(
                (3, Gen.OneOf(Types).Select(t => JsonSerializer.Serialize(t))),
                (1, Gen.OneOf(Types).Array[0, 3].Select(ts => JsonSerializer.Serialize(ts.Distinct().ToArray())))).Select(t => ("type", t))),
            (1, Gen.OneOf(Names).Array[0, 3].Select(rs => ("required", JsonSerializer.Serialize(rs.Distinct().ToArray())))),
            (1, Value(1).Array[1, 4].Select(vs => ("enum", "[" + string.Join(',', vs) + "]"))),
            (1, Value(1).Select(v => ("const", v))),
            (2, Gen.OneOf(Patterns).Select(p => ("pattern", JsonSerializer.Serialize(p)))),
            (2, (from k in Gen.OneOf("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum") from n in Gen.OneOf(Numbers) select (k, n))),
            (2, (from k in Gen.OneOf("minLength", "maxLength", "minItems", "maxItems") from n in Gen.Int[0, 3] select (k, n.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
            (1, Gen.OneOf("email", "date", "uri", "no-such-format").Select(f => ("format", JsonSerializer.Serialize(f)))),
            (1, Gen.OneOf("title", "description", "$comment").Select(k => (k, "\"x\""))),
        };
        if (depth > 0)
        {
            keywords.Add((3, Members(Schema(depth - 1)).Select(ps => ("properties", ps))));
            keywords.Add((2, Schema(depth - 1).Select(s => ("additionalProperties", s))));
            keywords.Add((2, Schema(depth - 1).Select(s => ("items", s))));
        }
        return Gen.Frequency([.. keywords]);
    }

    private static readonly Gen<(string Schema, string[] Instances)> Cases =
        from schema in Schema(2)
        from instances in Value(2).Array[1, 8]
        select (schema, instances);

    /// <summary>The quick check says valid only where the evaluator does (its "no" only means "ask the evaluator").</summary>
    [Fact]
    public void QuickCheck_NeverAcceptsWhatTheEvaluatorRefuses() =>
        Cases.Sample(c => Compare(c.Schema, c.Instances, (schema, instance, fast, full) =>
            Assert.False(fast && !full, $"{schema} quick-accepts {instance}, the evaluator refuses it")), iter: 4_000);

    /// <summary>Where neither the schema nor the value holds a number that a decimal cannot hold exactly, nor a string format, both give the same answer.</summary>
    [Fact]
    public void QuickCheck_AgreesWithTheEvaluator_OnPlainSchemasAndValues() =>
        Cases.Sample(c => Compare(c.Schema, c.Instances, (schema, instance, fast, full) =>
        {
            if (IsPlain(schema) && IsPlain(instance))
                Assert.True(fast == full, $"{schema} on {instance}: the quick check says {fast}, the evaluator {full}");
        }), iter: 4_000);

    private static void Compare(string schemaText, string[] instances, Action<string, string, bool, bool> check)
    {
        using var schemaDoc = JsonDocument.Parse(schemaText);
        JsonSchema full;
        try
        {
            full = JsonSchema.Build(schemaDoc.RootElement, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
        }
        catch (Exception e) when (e is JsonSchemaException or JsonException or ArgumentException or FormatException)
        {
            return; // not a schema a plan can publish (PlanCompiler refuses what does not build)
        }
        if (FastSchema.TryBuild(schemaDoc.RootElement) is not { } fast)
            return;
        foreach (var instanceText in instances)
        {
            using var instance = JsonDocument.Parse(instanceText);
            bool valid;
            try
            {
                valid = full.Evaluate(instance.RootElement, new EvaluationOptions { OutputFormat = OutputFormat.Flag }).IsValid;
            }
            catch (FormatException)
            {
                valid = false; // the evaluator cannot compare a number beyond a decimal: PlanValidator reports a violation
            }
            check(schemaText, instanceText, fast.Accepts(instance.RootElement), valid);
        }
    }

    /// <summary>No "format" keyword, and every number one a decimal holds exactly (at most 28 characters, no exponent).</summary>
    private static bool IsPlain(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return Plain(doc.RootElement);

        static bool Plain(JsonElement e) => e.ValueKind switch
        {
            JsonValueKind.Number => e.GetRawText() is { Length: <= 28 } raw && raw.IndexOfAny(['e', 'E']) < 0,
            JsonValueKind.Array => e.EnumerateArray().All(Plain),
            JsonValueKind.Object => e.EnumerateObject().All(p => p.Name != "format" && Plain(p.Value)),
            _ => true,
        };
    }
}
