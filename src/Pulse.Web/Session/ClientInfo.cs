namespace Pulse.Web.Session;

/// <summary>What the first HTTP request of a panel session tells about the browser, passed into the interactive circuit.</summary>
public sealed record ClientInfo(string? WorkspaceId, string? Ip, string? UserAgent);
