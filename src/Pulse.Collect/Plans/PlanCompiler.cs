using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Pulse.Platform.Access;

namespace Pulse.Collect.Plans;

/// <summary>
/// Checks plan definitions and builds their schemas. Built versions are cached by version id (they
/// never change), so a source's plan is compiled once per process, not per event or per cache refresh.
/// </summary>
internal static class PlanCompiler
{
    public const int MaxDefinitions = 2000;
    public const int MaxDefinitionsBytes = 1024 * 1024;
    private const int CacheCapacity = 10_000;
    private static readonly ConcurrentDictionary<Guid, CompiledPlanVersion> Cache = new();
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>The built version with id <paramref name="versionId"/>, compiled on first use.</summary>
    public static CompiledPlanVersion Get(Guid versionId, string version, string definitionsJson)
    {
        if (Cache.TryGetValue(versionId, out var hit))
            return hit;
        var definitions = JsonSerializer.Deserialize(definitionsJson, CollectJsonContext.Default.PlanDefinitions)!;
        var compiled = Compile(version, definitions);
        if (Cache.Count >= CacheCapacity)
            Cache.Clear();
        Cache[versionId] = compiled;
        return compiled;
    }

    /// <summary>Builds every definition; a bad one is a <see cref="ValidationException"/> naming it.</summary>
    public static CompiledPlanVersion Compile(string version, PlanDefinitions d)
    {
        var count = (d.Track?.Count ?? 0) + (d.Page?.Count ?? 0) + (d.Screen?.Count ?? 0);
        if (count > MaxDefinitions)
            throw new ValidationException("definitions", $"A plan version holds at most {MaxDefinitions} event definitions; this one holds {count}.");
        return new CompiledPlanVersion(
            version,
            Named("track", d.Track),
            d.Identify is null ? null : One("definitions.identify", d.Identify),
            d.Group is null ? null : One("definitions.group", d.Group),
            Named("page", d.Page),
            Named("screen", d.Screen));
    }

    private static FrozenDictionary<string, CompiledDefinition> Named(string kind, IReadOnlyDictionary<string, EventDefinition>? definitions)
    {
        if (definitions is null || definitions.Count == 0)
            return FrozenDictionary<string, CompiledDefinition>.Empty;
        var built = new Dictionary<string, CompiledDefinition>(StringComparer.Ordinal);
        foreach (var (name, definition) in definitions)
        {
            var field = $"definitions.{kind}.{name}";
            if (string.IsNullOrWhiteSpace(name) || name.Length > Ingest.MessageBuilder.MaxEventNameLength || name.Any(char.IsControl))
                throw new ValidationException($"definitions.{kind}", $"Event names must be 1 to {Ingest.MessageBuilder.MaxEventNameLength} characters without control characters.");
            if (definition is null)
                throw new ValidationException(field, "A definition must be an object ({\"schema\": …, \"required\": […]}).");
            built[name] = One(field, definition);
        }
        return built.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static CompiledDefinition One(string field, EventDefinition definition)
    {
        JsonObject schema;
        if (definition.Schema is { } s && s.ValueKind != JsonValueKind.Null)
        {
            if (s.ValueKind != JsonValueKind.Object)
                throw new ValidationException(field + ".schema", "schema must be a JSON Schema object.");
            schema = JsonNode.Parse(s.GetRawText())!.AsObject();
        }
        else
        {
            schema = [];
        }
        if (definition.Required is { Count: > 0 } required)
        {
            var list = schema["required"] as JsonArray ?? [];
            if (schema["required"] is not null and not JsonArray)
                throw new ValidationException(field + ".schema", "required in the schema must be an array of names.");
            foreach (var name in required)
            {
                if (string.IsNullOrEmpty(name) || name.Length > 255)
                    throw new ValidationException(field + ".required", "required lists names of 1 to 255 characters.");
                if (!list.Any(n => n?.GetValueKind() == JsonValueKind.String && n.GetValue<string>() == name))
                    list.Add(name);
            }
            schema["required"] = list;
        }
        if (ExternalReference(schema, 0) is { } reference)
            throw new ValidationException(field + ".schema", $"schema refers to '{reference}'; only references inside the schema (#/…) are allowed.");
        Close(schema, 0);
        schema.Remove("$id");
        var element = JsonSerializer.SerializeToElement(schema, CollectJsonContext.Default.JsonObject);
        try
        {
            var built = JsonSchema.Build(element, new BuildOptions { SchemaRegistry = new SchemaRegistry() });
            // Unresolvable references show only when evaluated.
            built.Evaluate(EmptyObject, new EvaluationOptions { OutputFormat = OutputFormat.Flag });
            return new CompiledDefinition(built, element);
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            throw new ValidationException(field + ".schema", "schema is not a valid JSON Schema (draft 2020-12): " + Trim(e.Message));
        }
    }

    /// <summary>
    /// A plan names what is expected; anything else is unplanned unless the schema says otherwise.
    /// Applies to the schema and, through <c>properties</c> and <c>items</c>, to nested objects.
    /// </summary>
    private static void Close(JsonObject schema, int depth)
    {
        if (depth > 32)
            return;
        if (schema["properties"] is JsonObject properties)
        {
            if (!schema.ContainsKey("additionalProperties") && !schema.ContainsKey("unevaluatedProperties") && !schema.ContainsKey("patternProperties"))
                schema["additionalProperties"] = false;
            foreach (var (_, sub) in properties)
            {
                if (sub is JsonObject o)
                    Close(o, depth + 1);
            }
        }
        if (schema["items"] is JsonObject items)
            Close(items, depth + 1);
    }

    // Nothing is fetched at ingest: a reference must point into the schema itself.
    private static string? ExternalReference(JsonNode? node, int depth)
    {
        if (depth > 64)
            return null;
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, value) in o)
                {
                    if (name is "$ref" or "$dynamicRef" or "$recursiveRef" && value?.GetValueKind() == JsonValueKind.String
                        && !value.GetValue<string>().StartsWith('#'))
                        return value.GetValue<string>();
                    if (ExternalReference(value, depth + 1) is { } found)
                        return found;
                }
                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    if (ExternalReference(item, depth + 1) is { } found)
                        return found;
                }
                break;
        }
        return null;
    }

    private static string Trim(string s) => s.Length > 300 ? s[..300] : s;
}
