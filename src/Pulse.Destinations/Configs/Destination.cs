namespace Pulse.Destinations.Configs;

/// <summary>A destination as stored: its checked config without secrets, and the secrets encrypted.</summary>
internal sealed class Destination
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    /// <summary>webhook, meta, tiktok, linkedin or ga4.</summary>
    public required string Type { get; set; }
    public required string Name { get; set; }
    public bool Enabled { get; set; }
    /// <summary>The config object as saved, secrets removed (JSON).</summary>
    public required string Config { get; set; }
    /// <summary>The secrets (access token, API secret, webhook signing secrets) as one JSON object, encrypted with ASP.NET Core Data Protection.</summary>
    public required string Secrets { get; set; }
    /// <summary>The sources that feed it, as a JSON array of ids.</summary>
    public required string Sources { get; set; }
    /// <summary>The event names it receives (JSON array), or null for every event.</summary>
    public string? Events { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
