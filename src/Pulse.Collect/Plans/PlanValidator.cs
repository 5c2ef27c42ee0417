using System.Text.Json;
using System.Text.Json.Nodes;
using Json.Schema;
using Pulse.Collect.Ingest;
using Pulse.Collect.Log;

namespace Pulse.Collect.Plans;

/// <summary>Checks a built event against its source's plan and applies the plan's mode to it.</summary>
internal static class PlanValidator
{
    private static readonly EvaluationOptions Quick = new() { OutputFormat = OutputFormat.Flag };
    private static readonly EvaluationOptions Detailed = new() { OutputFormat = OutputFormat.List };
    private static readonly JsonElement EmptyObject = JsonDocument.Parse("{}").RootElement.Clone();

    /// <summary>
    /// Stamps the plan version on <paramref name="record"/> and, when it breaks the plan, its
    /// violations; in omit mode also removes the unplanned properties from the stored message.
    /// Returns the violations (null when none); the caller quarantines the event in block mode.
    /// </summary>
    /// <summary>
    /// How long one pattern of a plan may take on one value. A pattern an admin wrote badly
    /// (catastrophic backtracking) must not stall ingest: past this the value counts as not matching.
    /// </summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(100);

    public static List<PlanViolation>? Apply(ActivePlan plan, LogRecord record, JsonElement message)
    {
        record.PlanVersion = plan.Version.Version;
        record.Violations = null;
        var violations = Check(plan, record.Type, record.Event, message, out var field, out var extra);
        if (violations is null)
            return null;
        if (plan.Mode == PlanMode.Omit && extra is not null)
            record.Raw = Strip(record.Raw, field, extra);
        record.Violations = Serialize(violations);
        return violations;
    }

    public static string Serialize(IReadOnlyList<PlanViolation> violations) =>
        JsonSerializer.Serialize(violations, CollectJsonContext.Default.IReadOnlyListPlanViolation);

    /// <summary>The violations of one message, or null; <paramref name="extra"/> lists the locations of unplanned properties.</summary>
    public static List<PlanViolation>? Check(ActivePlan plan, string type, string? name, JsonElement message, out string field, out List<string[]>? extra)
    {
        field = "properties";
        extra = null;
        CompiledDefinition? definition = null;
        var v = plan.Version;
        switch (type)
        {
            case CallTypes.Track:
                if (!v.Track.TryGetValue(name!, out definition) && !plan.AllowUnplannedEvents)
                    return [new PlanViolation(ViolationTypes.UnplannedEvent, "$.event", $"'{name}' is not in tracking plan {v.Version}.")];
                break;
            case CallTypes.Identify:
                field = "traits";
                definition = v.Identify;
                break;
            case CallTypes.Group:
                field = "traits";
                definition = v.Group;
                break;
            case CallTypes.Page:
                if (name is not null)
                    v.Page.TryGetValue(name, out definition);
                break;
            case CallTypes.Screen:
                if (name is not null)
                    v.Screen.TryGetValue(name, out definition);
                break;
        }
        if (definition is null)
            return null;
        var instance = message.ValueKind == JsonValueKind.Object && message.TryGetProperty(field, out var p) && p.ValueKind == JsonValueKind.Object ? p : EmptyObject;
        EvaluationResults results;
        try
        {
            // Most events pass: the quick check settles them, else the flag format, which stops at the first error.
            if (definition.Fast is { } fast ? fast.Accepts(instance) : definition.Schema.Evaluate(instance, Quick).IsValid)
                return null;
            results = definition.Schema.Evaluate(instance, Detailed);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException)
        {
            // A badly written pattern (catastrophic backtracking) must not stall ingest.
            return [new PlanViolation(ViolationTypes.Pattern, "$." + field, "A pattern of the plan took too long on this value (catastrophic backtracking); it counts as not matching.")];
        }
        catch (Exception e) when (e is not (OperationCanceledException or OutOfMemoryException))
        {
            return [new PlanViolation(ViolationTypes.Constraint, "$." + field, "The plan's schema could not be evaluated: " + e.Message)];
        }
        if (results.IsValid)
            return null;
        var list = new List<PlanViolation>();
        Collect(results, definition, instance, field, list, ref extra);
        foreach (var d in results.Details ?? [])
            Collect(d, definition, instance, field, list, ref extra);
        if (list.Count == 0)
            list.Add(new PlanViolation(ViolationTypes.Constraint, "$." + field, "The message does not match the plan."));
        return list;
    }

    private static void Collect(EvaluationResults node, CompiledDefinition definition, JsonElement instance, string field, List<PlanViolation> list, ref List<string[]>? extra)
    {
        if (node.Errors is not { Count: > 0 } errors)
            return;
        var at = Segments(node.InstanceLocation.ToString());
        var schemaPath = Segments(node.EvaluationPath.ToString());
        var path = Path(field, at);
        foreach (var (keyword, message) in errors)
        {
            var last = schemaPath.Length > 0 ? schemaPath[^1] : "";
            if (keyword == "required")
            {
                if (!MissingNames(definition.Source, schemaPath, instance, at, list, field))
                    list.Add(new PlanViolation(ViolationTypes.MissingRequired, path, message));
            }
            else if (keyword is "" or "false" && last is "additionalProperties" or "unevaluatedProperties")
            {
                list.Add(new PlanViolation(ViolationTypes.AdditionalProperty, path, $"'{(at.Length > 0 ? at[^1] : "")}' is not in the plan."));
                (extra ??= []).Add(at);
            }
            else
            {
                var type = keyword switch
                {
                    "type" => ViolationTypes.TypeMismatch,
                    "pattern" or "format" => ViolationTypes.Pattern,
                    "enum" or "const" => ViolationTypes.Enum,
                    _ => ViolationTypes.Constraint,
                };
                list.Add(new PlanViolation(type, path, message));
            }
        }
    }

    /// <summary>One violation per missing name, read from the schema's <c>required</c> at the failing place.</summary>
    private static bool MissingNames(JsonElement schema, string[] schemaPath, JsonElement instance, string[] at, List<PlanViolation> list, string field)
    {
        var s = schema;
        foreach (var seg in schemaPath)
        {
            if (s.ValueKind == JsonValueKind.Object && s.TryGetProperty(seg, out var next))
                s = next;
            else if (s.ValueKind == JsonValueKind.Array && int.TryParse(seg, out var i) && i < s.GetArrayLength())
                s = s[i];
            else
                return false;
        }
        var o = instance;
        foreach (var seg in at)
        {
            if (o.ValueKind == JsonValueKind.Object && o.TryGetProperty(seg, out var next))
                o = next;
            else if (o.ValueKind == JsonValueKind.Array && int.TryParse(seg, out var i) && i < o.GetArrayLength())
                o = o[i];
            else
                return false;
        }
        if (s.ValueKind != JsonValueKind.Object || !s.TryGetProperty("required", out var required) || required.ValueKind != JsonValueKind.Array
            || o.ValueKind != JsonValueKind.Object)
            return false;
        var added = false;
        foreach (var r in required.EnumerateArray())
        {
            if (r.ValueKind == JsonValueKind.String && r.GetString() is { } name && !o.TryGetProperty(name, out _))
            {
                list.Add(new PlanViolation(ViolationTypes.MissingRequired, Path(field, [.. at, name]), $"'{name}' is required."));
                added = true;
            }
        }
        return added;
    }

    private static string[] Segments(string pointer)
    {
        if (string.IsNullOrEmpty(pointer) || pointer == "/")
            return [];
        var parts = pointer.TrimStart('#').TrimStart('/').Split('/');
        for (var i = 0; i < parts.Length; i++)
            parts[i] = parts[i].Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
        return parts;
    }

    private static string Path(string field, string[] segments)
    {
        var sb = new System.Text.StringBuilder("$.").Append(field);
        foreach (var s in segments)
        {
            if (s.Length > 0 && s.All(char.IsAsciiDigit))
                sb.Append('[').Append(s).Append(']');
            else
                sb.Append('.').Append(s);
        }
        return sb.ToString();
    }

    /// <summary>The stored message without the properties at <paramref name="locations"/> (under <paramref name="field"/>).</summary>
    private static byte[] Strip(byte[] raw, string field, List<string[]> locations)
    {
        var root = JsonNode.Parse(raw);
        if (root?[field] is not JsonObject top)
            return raw;
        foreach (var at in locations)
        {
            if (at.Length == 0)
                continue;
            JsonNode? node = top;
            for (var i = 0; i < at.Length - 1 && node is not null; i++)
                node = node is JsonArray a && int.TryParse(at[i], out var n) && n < a.Count ? a[n] : node is JsonObject o ? o[at[i]] : null;
            if (node is JsonObject parent)
                parent.Remove(at[^1]);
        }
        return JsonSerializer.SerializeToUtf8Bytes(root, CollectJsonContext.Default.JsonNode);
    }
}
