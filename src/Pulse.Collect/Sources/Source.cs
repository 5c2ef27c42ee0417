namespace Pulse.Collect.Sources;

/// <summary>A site, app or server that sends events with its own write key.</summary>
internal sealed class Source
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }

    /// <summary>Ingest-only credential. Kept readable: it is public by nature (it sits in web pages).</summary>
    public required string WriteKey { get; set; }
    public bool Enabled { get; set; } = true;

    /// <summary>Browser origins allowed to send (one per line, <c>*</c> for any); empty means server-side only.</summary>
    public string AllowedOrigins { get; set; } = "";

    /// <summary>Own limits; null takes the server's default from <see cref="CollectOptions"/>.</summary>
    public int? MaxEventBytes { get; set; }
    public int? MaxBatchBytes { get; set; }
    public int? RateLimitPerSecond { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}
