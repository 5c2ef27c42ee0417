using System.Text.Json;
using Json.Schema;
using Pulse.Collect.Plans;

namespace Pulse.Collect.Tests.Bugs;

/// <summary>
/// Found by FastSchemaPropertyTests: the quick check called valid what the JSON Schema evaluator
/// refuses, so whether an event passed its plan depended on which of the two looked at it.
/// </summary>
public sealed class Issue_quick_schema_disagreed
{
    [Theory]
    [InlineData("""{"format":"email"}""", "\"not an address\"")]
    [InlineData("""{"format":"date"}""", "\"yesterday\"")]
    [InlineData("""{"minLength":2}""", "\"e\\u0301\"")]
    [InlineData("""{"minLength":2}""", "\"\\r\\n\"")]
    [InlineData("""{"maximum":1}""", "1.00000000000000000000000000001")]
    [InlineData("""{"maximum":0}""", "0.00000000000000000000000000001")]
    [InlineData("""{"type":[]}""", "[]")]
    [InlineData("""{"enum":[123456789012345678901234567890,0.3]}""", "0.3")]
    public void QuickCheck_DoesNotAccept_WhatTheEvaluatorRefuses(string schema, string instance)
    {
        using var s = JsonDocument.Parse(schema);
        using var x = JsonDocument.Parse(instance);
        bool valid;
        try
        {
            valid = JsonSchema.Build(s.RootElement, new BuildOptions { SchemaRegistry = new SchemaRegistry() }).Evaluate(x.RootElement).IsValid;
        }
        catch (FormatException)
        {
            valid = false;
        }
        Assert.False(valid);
        Assert.False(FastSchema.TryBuild(s.RootElement)?.Accepts(x.RootElement) ?? false);
    }

    [Theory]
    [InlineData("""{"type":"integer"}""", "1.0")]
    [InlineData("""{"enum":[1]}""", "1.0")]
    [InlineData("""{"const":{"a":1,"b":2}}""", """{"b":2,"a":1}""")]
    [InlineData("""{"maxLength":1}""", "\"e\\u0301\"")]
    public void QuickCheck_Settles_WhatTheEvaluatorAccepts(string schema, string instance)
    {
        using var s = JsonDocument.Parse(schema);
        using var x = JsonDocument.Parse(instance);
        Assert.True(FastSchema.TryBuild(s.RootElement)!.Accepts(x.RootElement));
    }
}
