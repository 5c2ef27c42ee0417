namespace Pulse.Influence.Creators;

/// <summary>A creator as the API shows it; the payout account is masked (<c>••••1234</c>) everywhere.</summary>
/// <param name="Tier">nano, micro, mid, macro or mega, from the largest audience over the handles; null when no follower count is known.</param>
/// <param name="Followers">That largest audience.</param>
/// <param name="Notes">The latest notes, newest first, in the answer for one creator; null in lists.</param>
public sealed record CreatorDto(
    Guid Id,
    string Name,
    string? Email,
    string? Country,
    string Status,
    string? Tier,
    long? Followers,
    IReadOnlyList<string> Categories,
    IReadOnlyList<HandleDto> Handles,
    IReadOnlyList<GroupRefDto> Groups,
    ContractDto? Contract,
    PayoutDto? Payout,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<NoteDto>? Notes,
    /// <summary>The partner-portal account the creator signs in with (null: not invited yet, or not joined).</summary>
    Guid? PortalUserId = null);

public sealed record HandleDto(string Platform, string Handle, long? Followers, string Url);

public sealed record GroupRefDto(Guid Id, string Name);

/// <param name="Type">affiliate, flat_fee, gifted or hybrid.</param>
/// <param name="Fee">A flat fee per the contract's terms, in <paramref name="Currency"/>.</param>
public sealed record ContractDto(string? Type, DateOnly? Start, DateOnly? End, decimal? Fee, string? Currency, string? Terms);

/// <param name="Method">bank_transfer, paypal, wise or other.</param>
/// <param name="Account">In a request: the IBAN or account number (bank_transfer), the PayPal or Wise e-mail, or free text (other). In an answer: masked.</param>
/// <param name="Holder">The account holder's name.</param>
public sealed record PayoutDto(string? Method, string? Account, string? Holder);

public sealed record NoteDto(Guid Id, string Text, string Author, DateTimeOffset CreatedAt);

public sealed record HandleInput(string? Platform, string? Handle, long? Followers);

/// <param name="Status">prospect, active (default), paused, ended or banned.</param>
/// <param name="Handles">At most one per platform; a handle belongs to one creator of the workspace.</param>
/// <param name="Groups">Names or ids of existing groups.</param>
/// <param name="Payout">Needs the PayoutsManage permission (Owner, Admin).</param>
public sealed record CreateCreatorRequest(
    string? Name,
    string? Email,
    string? Country,
    string? Status,
    IReadOnlyList<string>? Categories,
    IReadOnlyList<HandleInput>? Handles,
    IReadOnlyList<string>? Groups,
    ContractDto? Contract,
    PayoutDto? Payout);

/// <summary>Fields left out stay; a list given replaces the old one (<c>handles: []</c> removes every handle); an empty string clears email or country.</summary>
public sealed record UpdateCreatorRequest(
    string? Name,
    string? Email,
    string? Country,
    string? Status,
    IReadOnlyList<string>? Categories,
    IReadOnlyList<HandleInput>? Handles,
    IReadOnlyList<string>? Groups,
    ContractDto? Contract,
    PayoutDto? Payout);

public sealed record AddNoteRequest(string? Text);

public sealed record CreatorGroupDto(Guid Id, string Name, string? Description, int Creators, DateTimeOffset CreatedAt);

public sealed record CreatorGroupRequest(string? Name, string? Description);

/// <param name="Created">Rows that made a new creator.</param>
/// <param name="Updated">Rows that matched an existing creator (by e-mail, else by a handle) and changed it.</param>
/// <param name="Failed">Rows refused; nothing of them was saved.</param>
/// <param name="DryRun">True when nothing was saved at all (the report says what would happen).</param>
/// <param name="GroupsCreated">Groups the file named that did not exist yet.</param>
public sealed record CreatorImportReport(int Rows, int Created, int Updated, int Failed, bool DryRun, IReadOnlyList<string> GroupsCreated, IReadOnlyList<ImportRowDto> Results);

/// <param name="Row">The line in the file (the header is line 1).</param>
/// <param name="Outcome">created, updated or failed.</param>
/// <param name="Errors">Each problem as <c>column: what is wrong</c>.</param>
public sealed record ImportRowDto(int Row, string Outcome, string? Name, Guid? CreatorId, IReadOnlyList<string> Errors);
