using System.Collections.Frozen;

namespace Pulse.Influence.Links;

/// <summary>Everything the redirect needs of a link, held in memory.</summary>
internal sealed record LinkRoute(
    Guid Id,
    Guid WorkspaceId,
    string Slug,
    bool Enabled,
    int Status,
    DateTimeOffset? ExpiresAt,
    string? ExpiredUrl,
    string? PasswordHash,
    string Destination,
    string? Ios,
    string? Android,
    FrozenDictionary<string, string>? Geo,
    IReadOnlyList<(string Url, int Weight)>? Variants,
    string TrackParam,
    Guid? CreatorId,
    string? Campaign,
    /// <summary>The platform the link is posted on (its utm_source), recorded with each click as the touch's channel.</summary>
    string? Platform,
    string WriteKey);
