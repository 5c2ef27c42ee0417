namespace Pulse.Collect.Plans;

/// <summary>
/// The <c>type</c> of a <see cref="PlanViolation"/>. <c>enum</c> and <c>const</c> mismatches have their
/// own type; other JSON Schema checks (minimum, maxLength, format …) are <c>constraint</c>.
/// </summary>
internal static class ViolationTypes
{
    public const string UnplannedEvent = "unplanned_event";
    public const string MissingRequired = "missing_required";
    public const string TypeMismatch = "type_mismatch";
    public const string AdditionalProperty = "additional_property";
    public const string Pattern = "pattern";
    public const string Enum = "enum";
    public const string Constraint = "constraint";

    /// <summary>Quarantine only: the message was refused before any plan was applied (no event name, a bad timestamp …).</summary>
    public const string Invalid = "invalid";
}
