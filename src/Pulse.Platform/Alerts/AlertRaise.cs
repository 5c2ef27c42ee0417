namespace Pulse.Platform.Alerts;

/// <summary>What a module reports when a condition it watches is abnormal.</summary>
/// <param name="Kind">The family, <c>module.thing</c> (<c>collect.volume</c>, <c>destinations.errors</c>).</param>
/// <param name="Key">Stable within the workspace for one condition (<c>source:…/event:Order Completed</c>): raising it again updates the open alert.</param>
/// <param name="Figures">The numbers behind it (expected, observed, lower, upper …).</param>
public sealed record AlertRaise(
    Guid WorkspaceId,
    string Kind,
    string Key,
    AlertSeverity Severity,
    string Title,
    string Detail,
    IReadOnlyDictionary<string, double> Figures);
