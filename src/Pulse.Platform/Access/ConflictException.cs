namespace Pulse.Platform.Access;

/// <summary>The request clashes with existing state (a duplicate name, the last owner). Mapped to 409.</summary>
public sealed class ConflictException(string message) : Exception(message);
