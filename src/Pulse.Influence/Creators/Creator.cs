namespace Pulse.Influence.Creators;

/// <summary>A creator or affiliate as stored. Handles, groups and notes are rows of their own.</summary>
internal sealed class Creator
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    /// <summary>Lower case; unique in the workspace when set (partner invitations and self-referral checks use it).</summary>
    public string? Email { get; set; }
    /// <summary>ISO 3166-1 alpha-2, upper case.</summary>
    public string? Country { get; set; }
    public CreatorStatus Status { get; set; }
    /// <summary>JSON array of lower-case category names.</summary>
    public required string Categories { get; set; }
    /// <summary>The largest audience over the handles, kept with them so lists filter and sort by tier in the store.</summary>
    public long? Followers { get; set; }
    public ContractType? ContractType { get; set; }
    public DateOnly? ContractStart { get; set; }
    public DateOnly? ContractEnd { get; set; }
    public decimal? ContractFee { get; set; }
    public string? ContractCurrency { get; set; }
    public string? ContractTerms { get; set; }
    /// <summary>bank_transfer, paypal, wise or other; the account itself is in <see cref="PayoutSecret"/>.</summary>
    public PayoutMethod? PayoutMethod { get; set; }
    /// <summary>The payout account and holder as JSON, encrypted with ASP.NET Core Data Protection.</summary>
    public string? PayoutSecret { get; set; }
    /// <summary>The account's last four characters, kept apart so lists show it masked without decrypting.</summary>
    public string? PayoutHint { get; set; }
    /// <summary>The person who signs in to the partner portal as this creator (a Partner member of the workspace).</summary>
    public Guid? UserId { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<CreatorHandle> Handles { get; set; } = [];
}

/// <summary>One account of a creator on one platform; a handle belongs to one creator of the workspace.</summary>
internal sealed class CreatorHandle
{
    public long Id { get; set; }
    public Guid CreatorId { get; set; }
    public Guid WorkspaceId { get; set; }
    public SocialPlatform Platform { get; set; }
    /// <summary>Lower case, without the <c>@</c> (every platform here compares handles case-insensitively).</summary>
    public required string Handle { get; set; }
    public long? Followers { get; set; }
}

internal sealed class CreatorGroup
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    public string? Description { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

internal sealed class CreatorGroupMember
{
    public Guid GroupId { get; set; }
    public Guid CreatorId { get; set; }
}

internal sealed class CreatorNote
{
    public Guid Id { get; set; }
    public Guid CreatorId { get; set; }
    public required string Text { get; set; }
    public required string Author { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

public enum CreatorStatus
{
    /// <summary>Being considered or contacted; not yet working with the brand.</summary>
    Prospect,
    Active,
    Paused,
    /// <summary>The collaboration is over; links and history stay.</summary>
    Ended,
    /// <summary>Removed for fraud or a breach of terms (a resolved fraud flag can set it).</summary>
    Banned,
}

public enum ContractType
{
    /// <summary>Paid by commission on what they bring.</summary>
    Affiliate,
    /// <summary>A fixed fee per post or per period.</summary>
    FlatFee,
    /// <summary>Product only.</summary>
    Gifted,
    /// <summary>A fee and a commission.</summary>
    Hybrid,
}

public enum PayoutMethod
{
    BankTransfer,
    Paypal,
    Wise,
    Other,
}
