namespace Pulse.Influence.Links;

public sealed record VariantDto(string? Url, int? Weight);

/// <param name="ShortUrl">The link on this server's public address (<c>/l/{slug}</c>).</param>
/// <param name="Destination">The main destination with the UTM parameters the redirect adds.</param>
/// <param name="Clicks">Every click recorded on the log, bots included.</param>
/// <param name="UniqueClicks">Distinct visitors (first-party visitor cookie).</param>
/// <param name="BotClicks">Clicks from known bots and crawlers, shown apart.</param>
public sealed record LinkDto(
    Guid Id,
    string Slug,
    string ShortUrl,
    string Url,
    string Destination,
    string? Title,
    Guid? CreatorId,
    string? CreatorName,
    string? Campaign,
    string? Platform,
    string Medium,
    string? Content,
    bool Utm,
    int Redirect,
    bool Enabled,
    DateTimeOffset? ExpiresAt,
    string? ExpiredUrl,
    bool HasPassword,
    string? Ios,
    string? Android,
    IReadOnlyDictionary<string, string>? Geo,
    IReadOnlyList<VariantDto>? Variants,
    string TrackParam,
    long Clicks,
    long UniqueClicks,
    long BotClicks,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt);

/// <param name="Url">Where the link sends people: http or https only.</param>
/// <param name="Slug">Custom slug (1–64 of a-z 0-9 - _); generated when left out.</param>
/// <param name="Platform">utm_source (instagram, tiktok …); from the creator's first handle when left out.</param>
/// <param name="Medium">utm_medium: influencer (default) or affiliate.</param>
/// <param name="Redirect">302 (default) or 301.</param>
/// <param name="Password">People must give it before they are sent on.</param>
/// <param name="Ios">Destination for iPhone and iPad (a deep link or App Store address).</param>
/// <param name="Android">Destination for Android.</param>
/// <param name="Geo">Destination per ISO country code (needs the GeoIP database).</param>
/// <param name="Variants">A/B split: destinations with integer weights.</param>
/// <param name="TrackParam">Query parameter recorded with the click and stripped before the redirect (default ref).</param>
public sealed record CreateLinkRequest(
    string? Url,
    string? Slug = null,
    Guid? CreatorId = null,
    string? Campaign = null,
    string? Title = null,
    string? Platform = null,
    string? Medium = null,
    string? Content = null,
    bool? Utm = null,
    int? Redirect = null,
    bool? Enabled = null,
    DateTimeOffset? ExpiresAt = null,
    string? ExpiredUrl = null,
    string? Password = null,
    string? Ios = null,
    string? Android = null,
    IReadOnlyDictionary<string, string>? Geo = null,
    IReadOnlyList<VariantDto>? Variants = null,
    string? TrackParam = null);

/// <summary>Fields left out stay; <c>""</c> clears a text field (password, expiredUrl, ios, android), <c>{}</c>/<c>[]</c> clear geo and variants.</summary>
public sealed record UpdateLinkRequest(
    string? Url = null,
    string? Slug = null,
    Guid? CreatorId = null,
    string? Campaign = null,
    string? Title = null,
    string? Platform = null,
    string? Medium = null,
    string? Content = null,
    bool? Utm = null,
    int? Redirect = null,
    bool? Enabled = null,
    DateTimeOffset? ExpiresAt = null,
    string? ExpiredUrl = null,
    string? Password = null,
    string? Ios = null,
    string? Android = null,
    IReadOnlyDictionary<string, string>? Geo = null,
    IReadOnlyList<VariantDto>? Variants = null,
    string? TrackParam = null);

public sealed record ClickCountDto(string Key, long Clicks, long Unique, long Bots);

/// <summary>A link's clicks broken down: per day, country, device, browser, OS, referrer and QR-or-link.</summary>
public sealed record LinkStatsDto(
    long Clicks, long UniqueClicks, long BotClicks,
    IReadOnlyList<ClickCountDto> Days, IReadOnlyList<ClickCountDto> Countries, IReadOnlyList<ClickCountDto> Devices,
    IReadOnlyList<ClickCountDto> Browsers, IReadOnlyList<ClickCountDto> Os, IReadOnlyList<ClickCountDto> Referrers, IReadOnlyList<ClickCountDto> Via);

/// <summary>One destination, one link per creator and platform.</summary>
/// <param name="CreatorIds">These creators; or <paramref name="Group"/>'s members (a group's name or id).</param>
/// <param name="Platforms">A link per platform named (utm_source); by default one per platform the creator has an account on.</param>
public sealed record BulkLinkRequest(string? Url, IReadOnlyList<Guid>? CreatorIds = null, string? Group = null, IReadOnlyList<string>? Platforms = null,
    string? Campaign = null, string? Medium = null, bool? Utm = null);

public sealed record BulkLinkResult(int Created, IReadOnlyList<LinkDto> Links);
