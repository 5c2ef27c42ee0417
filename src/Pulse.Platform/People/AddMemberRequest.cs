namespace Pulse.Platform.People;

/// <summary>Adds a person by e-mail; a new account gets <paramref name="Password"/> or a temporary one.</summary>
public sealed record AddMemberRequest(string? Email, string? Role, string? DisplayName, string? Password);
