using System.Text.Json.Serialization;

namespace Pulse.Collect.Plans;

/// <summary>What ingest does with an event that breaks its source's tracking plan.</summary>
public enum PlanMode
{
    /// <summary>Store the event as sent, with its violations.</summary>
    [JsonStringEnumMemberName("allow")]
    Allow,

    /// <summary>Store the event without the properties the plan does not name, with its violations.</summary>
    [JsonStringEnumMemberName("omit")]
    Omit,

    /// <summary>Keep the event out of the log, in quarantine, until a fixed plan lets it through.</summary>
    [JsonStringEnumMemberName("block")]
    Block,
}
