using System.Text.Json;

namespace Pulse.Destinations.Configs;

/// <summary>A destination as the API shows it: secrets in <paramref name="Config"/> masked (<c>••••1234</c>).</summary>
/// <param name="SigningSecret">A webhook's signing secret, in the answer that creates it only; null otherwise.</param>
public sealed record DestinationDto(
    Guid Id,
    string Type,
    string Name,
    bool Enabled,
    JsonElement Config,
    IReadOnlyList<Guid> Sources,
    IReadOnlyList<string>? Events,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    string? SigningSecret);

/// <param name="Type">webhook, meta, tiktok, linkedin or ga4.</param>
/// <param name="Sources">Ids or names of the sources whose events it receives (at least one).</param>
/// <param name="Events">Only these event names (track events by name, page/identify… by type); every event when left out.</param>
public sealed record CreateDestinationRequest(string? Type, string? Name, JsonElement? Config, IReadOnlyList<string>? Sources, IReadOnlyList<string>? Events, bool? Enabled);

/// <summary>Fields left out stay as they are; a config replaces the old one, and secrets left out of it are kept; <c>events: []</c> sends every event again.</summary>
public sealed record UpdateDestinationRequest(string? Name, JsonElement? Config, IReadOnlyList<string>? Sources, IReadOnlyList<string>? Events, bool? Enabled);

/// <param name="OverlapHours">How long the old secret keeps signing too (default 24, 0 to 168).</param>
public sealed record RotateSecretRequest(int? OverlapHours);
