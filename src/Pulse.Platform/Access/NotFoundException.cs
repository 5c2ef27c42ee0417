namespace Pulse.Platform.Access;

/// <summary>
/// The thing does not exist in the actor's workspace. Also used for things of another workspace,
/// so that their existence does not leak. Mapped to 404 problem details.
/// </summary>
public sealed class NotFoundException(string what) : Exception($"{what} was not found.");
