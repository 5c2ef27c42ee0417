using Microsoft.AspNetCore.Identity;

namespace Pulse.Platform.People;

/// <summary>A person who logs in. Roles live on <see cref="Membership"/>, one per workspace.</summary>
public sealed class PulseUser : IdentityUser<Guid>
{
    public string? DisplayName { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
