namespace Pulse.Platform.Access;

/// <summary>The actor's role does not allow the action. Mapped to 403 problem details.</summary>
public sealed class ForbiddenException(string message) : Exception(message);
