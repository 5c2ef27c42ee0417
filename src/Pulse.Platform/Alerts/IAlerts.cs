namespace Pulse.Platform.Alerts;

/// <summary>
/// Raises and clears alerts on behalf of a module's watcher (no actor: the system speaks). Raised
/// and cleared alerts are delivered to the workspace's alert webhook in the background and shown
/// in the panel.
/// </summary>
public interface IAlerts
{
    /// <summary>
    /// Opens an alert, or updates the open one with the same workspace and key (title, detail,
    /// figures, severity). Only opening notifies the webhook (<c>alert.raised</c>).
    /// </summary>
    Task<AlertDto> RaiseAsync(AlertRaise alert, CancellationToken ct);

    /// <summary>Closes the open alert with this key, notifying <c>alert.resolved</c>; false when none was open.</summary>
    Task<bool> ClearAsync(Guid workspaceId, string key, CancellationToken ct);

    /// <summary>The keys of all open alerts of one kind, in every workspace (for a watcher deciding what to clear).</summary>
    Task<IReadOnlyList<(Guid WorkspaceId, string Key)>> OpenKeysAsync(string kind, CancellationToken ct);
}
