using System.Collections.Frozen;
using System.Text.Json;
using Json.Schema;

namespace Pulse.Collect.Plans;

/// <summary>One definition with its schema built once (per plan version) for ingest.</summary>
internal sealed class CompiledDefinition(JsonSchema schema, JsonElement source)
{
    public JsonSchema Schema { get; } = schema;

    /// <summary>The quick check that settles passing events without the evaluator; null for schemas it does not cover.</summary>
    public FastSchema? Fast { get; } = FastSchema.TryBuild(source);

    /// <summary>The schema as evaluated (with <c>required</c> merged and closed), to find what a <c>required</c> error lacks.</summary>
    public JsonElement Source { get; } = source;
}

/// <summary>A plan version ready for ingest; built once per version and shared.</summary>
internal sealed class CompiledPlanVersion(
    string version,
    FrozenDictionary<string, CompiledDefinition> track,
    CompiledDefinition? identify,
    CompiledDefinition? group,
    FrozenDictionary<string, CompiledDefinition> page,
    FrozenDictionary<string, CompiledDefinition> screen)
{
    public string Version { get; } = version;
    public FrozenDictionary<string, CompiledDefinition> Track { get; } = track;
    public CompiledDefinition? Identify { get; } = identify;
    public CompiledDefinition? Group { get; } = group;
    public FrozenDictionary<string, CompiledDefinition> Page { get; } = page;
    public FrozenDictionary<string, CompiledDefinition> Screen { get; } = screen;
}

/// <summary>The plan in force for a source: its mode and flag (which can change) over its newest version.</summary>
internal sealed record ActivePlan(PlanMode Mode, bool AllowUnplannedEvents, CompiledPlanVersion Version);
