namespace Pulse.Influence.Partners;

/// <summary>A one-time invitation of a creator to the partner portal; only the token's SHA-256 is stored.</summary>
internal sealed class PartnerInvite
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid CreatorId { get; set; }
    /// <summary>The address the invitation was for (the creator's e-mail when it was made); the account is made for it.</summary>
    public required string Email { get; set; }
    public required string TokenHash { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? UsedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

/// <summary>An invitation as made: the link is shown once (send it to the creator); it opens <c>/partner/join</c>.</summary>
public sealed record PartnerInviteDto(Guid CreatorId, string CreatorName, string Email, string InviteUrl, DateTimeOffset ExpiresAt);

/// <summary>Portal access made by an admin: the account's temporary password is shown once (null when the person already had an account).</summary>
public sealed record PartnerAccessDto(Guid CreatorId, string CreatorName, string Email, Guid UserId, string? TemporaryPassword);

/// <param name="Password">The account's password; left out, a temporary one is made and returned once.</param>
public sealed record PartnerAccessRequest(string? Password = null);

/// <summary>What an invitation link shows before it is accepted.</summary>
public sealed record PartnerInviteInfo(string WorkspaceName, string CreatorName, string Email, bool HasAccount);

/// <summary>A partner's sign-in: the address and browser a creator uses themselves, which the self-referral rules compare orders and clicks with (kept 90 days).</summary>
internal sealed class PartnerSignIn
{
    public long Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid CreatorId { get; set; }
    public required string Ip { get; set; }
    public string? UserAgent { get; set; }
    public DateTimeOffset At { get; set; }
}
