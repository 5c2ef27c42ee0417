namespace Pulse.Influence.Links;

/// <summary>A tracked short link as stored.</summary>
internal sealed class Link
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    /// <summary>Lower-case ASCII, unique over the whole server: <c>/l/{slug}</c> answers on every host.</summary>
    public required string Slug { get; set; }
    /// <summary>The destination as given (http or https).</summary>
    public required string Url { get; set; }
    public string? Title { get; set; }
    public Guid? CreatorId { get; set; }
    public string? Campaign { get; set; }
    /// <summary>utm_source: the platform the link is posted on.</summary>
    public string? Platform { get; set; }
    /// <summary>utm_medium: influencer or affiliate.</summary>
    public required string Medium { get; set; }
    /// <summary>utm_content: the creator (their main handle) unless given.</summary>
    public string? Content { get; set; }
    /// <summary>Whether UTM parameters are added to destinations that lack them.</summary>
    public bool Utm { get; set; }
    /// <summary>302 (default) or 301.</summary>
    public int RedirectStatus { get; set; }
    public bool Enabled { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
    /// <summary>Where an expired link sends people; without it they get 410 Gone.</summary>
    public string? ExpiredUrl { get; set; }
    /// <summary>ASP.NET Core Identity's password hash, when the link asks for a password.</summary>
    public string? PasswordHash { get; set; }
    public string? IosUrl { get; set; }
    public string? AndroidUrl { get; set; }
    /// <summary>JSON object: ISO country code → destination.</summary>
    public string? GeoTargets { get; set; }
    /// <summary>JSON array of {url, weight} for an A/B split; the main URL is not used when set.</summary>
    public string? Variants { get; set; }
    /// <summary>The query parameter recorded with the click and removed before the redirect (default <c>ref</c>).</summary>
    public required string TrackParam { get; set; }
    /// <summary>The "Tracked links" source of the workspace, under which clicks enter the log.</summary>
    public Guid SourceId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
