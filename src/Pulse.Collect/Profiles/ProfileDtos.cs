using System.Text.Json;
using Pulse.Collect.Events;

namespace Pulse.Collect.Profiles;

/// <summary>A person as the profile API shows them: traits, every id, consent, merge history and the latest events.</summary>
public sealed record ProfileDto(
    Guid Id,
    string? UserId,
    DateTimeOffset FirstSeen,
    DateTimeOffset LastSeen,
    long EventCount,
    IReadOnlyDictionary<string, JsonElement> Traits,
    IReadOnlyList<IdentityDto> Identities,
    ConsentDto Consent,
    IReadOnlyList<MergeDto> Merges,
    IReadOnlyList<EventDto> Timeline,
    string? TimelineNext);

public sealed record IdentityDto(string Kind, string Value, DateTimeOffset FirstSeen);

/// <param name="WorkspaceDefault">What applies to categories the person never answered: Allow or Deny.</param>
public sealed record ConsentDto(JsonElement? CategoryPreferences, DateTimeOffset? UpdatedAt, bool OptedOut, DateTimeOffset? OptedOutAt, string WorkspaceDefault);

/// <param name="Reason">identify, alias or event (stitched from events) or manual (an admin).</param>
public sealed record MergeDto(Guid Id, Guid FromProfileId, Guid IntoProfileId, string Reason, DateTimeOffset At, string? MessageId, string? Actor,
    IReadOnlyList<string[]> MovedIdentities, DateTimeOffset? UndoneAt, string? UndoneBy);

public sealed record ProfileSummaryDto(Guid Id, string? UserId, string? Email, DateTimeOffset FirstSeen, DateTimeOffset LastSeen, long EventCount, bool OptedOut);

/// <summary>Merge the profile holding <paramref name="From"/> into the one holding <paramref name="Into"/> (any ids).</summary>
public sealed record MergeProfilesRequest(string? From, string? Into);

/// <summary>Sets a person's consent: an opt-out stops all forwarding; preferences replace the stored ones.</summary>
public sealed record ConsentRequest(bool? OptOut, Dictionary<string, bool>? CategoryPreferences);

/// <summary>The record of an erasure, without anything that identifies the person.</summary>
public sealed record ErasureDto(Guid Id, DateTimeOffset At, string ActorKind, string ActorName, int IdentityCount, IReadOnlyDictionary<string, long> Steps);
