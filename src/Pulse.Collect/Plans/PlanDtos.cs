using System.Text.Json;

namespace Pulse.Collect.Plans;

/// <summary>
/// What one event (or one call type) must look like: a JSON Schema (draft 2020-12) for its
/// <c>properties</c> (track, page, screen) or <c>traits</c> (identify, group), and top-level fields
/// that must be present. A schema that lists <c>properties</c> and says nothing of
/// <c>additionalProperties</c> is closed (so are object schemas nested in its <c>properties</c> and
/// <c>items</c>): other properties are violations. References must stay inside the schema.
/// </summary>
public sealed record EventDefinition(JsonElement? Schema = null, IReadOnlyList<string>? Required = null, string? Description = null);

/// <summary>The definitions of a plan version: track events by name, identify and group traits, page and screen names (optional).</summary>
public sealed record PlanDefinitions(
    IReadOnlyDictionary<string, EventDefinition>? Track = null,
    EventDefinition? Identify = null,
    EventDefinition? Group = null,
    IReadOnlyDictionary<string, EventDefinition>? Page = null,
    IReadOnlyDictionary<string, EventDefinition>? Screen = null);

/// <summary>Body of <c>PUT /api/v1/sources/{source}/tracking-plan</c>: creates the plan or changes the fields given.</summary>
public sealed record UpdatePlanRequest(PlanMode? Mode = null, bool? AllowUnplannedEvents = null);

/// <summary>
/// Body of <c>POST …/tracking-plan/versions</c>: the definitions and either an explicit
/// <c>version</c> (MODEL-REVISION-ADDITION, above the newest) or a <c>bump</c> (addition, revision, model).
/// </summary>
public sealed record PublishVersionRequest(PlanDefinitions? Definitions, string? Version = null, string? Bump = null);

/// <summary>A source's tracking plan as the API shows it.</summary>
public sealed record TrackingPlanDto(
    Guid Id,
    Guid SourceId,
    string Source,
    PlanMode Mode,
    bool AllowUnplannedEvents,
    string? CurrentVersion,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset UpdatedAt);

/// <summary>A published version without its definitions (for lists).</summary>
public sealed record PlanVersionSummary(string Version, DateTimeOffset PublishedAt, string PublishedBy, int Definitions);

/// <summary>A published version with its definitions.</summary>
public sealed record PlanVersionDto(string Version, DateTimeOffset PublishedAt, string PublishedBy, PlanDefinitions Definitions);

/// <summary>One broken rule of a plan: its type, where in the message (<c>$.properties.price</c>) and why.</summary>
public sealed record PlanViolation(string Type, string Path, string Message);

/// <summary>Violations of one event name under one plan version, in the log and in quarantine.</summary>
public sealed record ViolationCount(
    string Type,
    string? Event,
    string? PlanVersion,
    long Events,
    long Quarantined,
    IReadOnlyDictionary<string, long> ByType);

/// <summary>Answer of <c>GET …/tracking-plan/violations</c>.</summary>
public sealed record ViolationReport(DateTimeOffset From, DateTimeOffset To, IReadOnlyList<ViolationCount> Items);
