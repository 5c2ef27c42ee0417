using System.Text.Json;
using Json.Schema;
using Pulse.Collect.Plans;

namespace Pulse.Collect.Tests.Plans;

/// <summary>The quick check never calls valid what the JSON Schema evaluator calls invalid, and it settles common passing events.</summary>
public sealed class FastSchemaTests
{
    private static readonly string[] Schemas =
    [
        """{"type":"object","properties":{"revenue":{"type":"number"},"orderId":{"type":"string"}},"required":["orderId"],"additionalProperties":false}""",
        """{"properties":{"n":{"type":"integer","minimum":1,"maximum":10}}}""",
        """{"properties":{"n":{"type":["integer","null"],"exclusiveMinimum":0,"exclusiveMaximum":5}}}""",
        """{"properties":{"c":{"type":"string","pattern":"^[A-Z]{3}$","minLength":3,"maxLength":3}}}""",
        """{"properties":{"d":{"type":"string","pattern":"^\\d+$"}}}""",
        """{"properties":{"t":{"enum":["gold","silver",1,null,{"a":1}]}}}""",
        """{"properties":{"k":{"const":"x"}}}""",
        """{"properties":{"items":{"type":"array","minItems":1,"maxItems":2,"items":{"type":"object","properties":{"sku":{"type":"string"}},"additionalProperties":false}}}}""",
        """{"properties":{"b":{"type":"boolean"},"nested":{"type":"object","properties":{"x":{"type":"number"}},"additionalProperties":{"type":"string"}}}}""",
        """{"properties":{"e":{"maxLength":2}}}""",
        """{"properties":{"never":false}}""",
    ];

    private static readonly string[] Instances =
    [
        """{}""",
        """{"orderId":"o1","revenue":10.5}""",
        """{"orderId":"o1","revenue":"10"}""",
        """{"orderId":"o1","coupon":"x"}""",
        """{"n":1}""", """{"n":10}""", """{"n":0}""", """{"n":11}""", """{"n":1.0}""", """{"n":2.5}""", """{"n":1e0}""", """{"n":null}""", """{"n":5}""",
        """{"c":"PLN"}""", """{"c":"pln"}""", """{"c":"PLNX"}""", """{"c":7}""",
        """{"d":"123"}""", """{"d":"\u0663\u0663"}""", """{"d":""}""",
        """{"t":"gold"}""", """{"t":"bronze"}""", """{"t":1}""", """{"t":1.0}""", """{"t":null}""", """{"t":{"a":1}}""", """{"t":{"a":2}}""", """{"t":"g\u006fld"}""",
        """{"k":"x"}""", """{"k":"y"}""",
        """{"items":[{"sku":"a"}]}""", """{"items":[]}""", """{"items":[{"sku":"a"},{"sku":"b"},{"sku":"c"}]}""", """{"items":[{"sku":1}]}""", """{"items":[{"sku":"a","x":1}]}""",
        """{"b":true,"nested":{"x":1,"y":"s"}}""", """{"b":"true"}""", """{"nested":{"y":2}}""",
        """{"e":"\uD83D\uDE00\uD83D\uDE00"}""", """{"e":"abc"}""",
        """{"never":1}""",
    ];

    [Fact]
    public void QuickCheck_NeverAcceptsWhatTheEvaluatorRefuses()
    {
        foreach (var schemaText in Schemas)
        {
            using var schemaDoc = JsonDocument.Parse(schemaText);
            var fast = FastSchema.TryBuild(schemaDoc.RootElement);
            Assert.NotNull(fast);
            var full = JsonSchema.Build(schemaDoc.RootElement, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            foreach (var instanceText in Instances)
            {
                using var instance = JsonDocument.Parse(instanceText);
                if (fast.Accepts(instance.RootElement))
                    Assert.True(full.Evaluate(instance.RootElement).IsValid, $"{schemaText} quick-accepts {instanceText}, the evaluator refuses it");
            }
        }
    }

    [Theory]
    [InlineData(0, """{"orderId":"o1","revenue":10.5}""")]
    [InlineData(1, """{"n":3}""")]
    [InlineData(3, """{"c":"EUR"}""")]
    [InlineData(5, """{"t":"silver"}""")]
    [InlineData(7, """{"items":[{"sku":"a"},{"sku":"b"}]}""")]
    [InlineData(8, """{"b":false,"nested":{"x":2.5,"label":"s"}}""")]
    [InlineData(9, """{"e":"\uD83D\uDE00\uD83D\uDE00"}""")]
    public void QuickCheck_SettlesCommonPassingEvents(int schema, string instance)
    {
        using var schemaDoc = JsonDocument.Parse(Schemas[schema]);
        using var doc = JsonDocument.Parse(instance);
        Assert.True(FastSchema.TryBuild(schemaDoc.RootElement)!.Accepts(doc.RootElement));
    }

    [Theory]
    [InlineData("""{"$ref":"#/$defs/a","$defs":{"a":{}}}""")]
    [InlineData("""{"anyOf":[{"type":"string"}]}""")]
    [InlineData("""{"properties":{"a":{"prefixItems":[{}]}}}""")]
    [InlineData("""{"$schema":"http://json-schema.org/draft-07/schema#"}""")]
    [InlineData("""{"not":{"type":"string"}}""")]
    public void QuickCheck_StandsAside_ForKeywordsItDoesNotKnow(string schema)
    {
        using var doc = JsonDocument.Parse(schema);
        Assert.Null(FastSchema.TryBuild(doc.RootElement));
    }
}
