namespace Pulse.Platform.Access;

/// <summary>
/// The request cannot be served right now but can be retried (a store catching up, a dependency
/// briefly down). Mapped to 503 with <c>Retry-After</c>.
/// </summary>
public sealed class UnavailableException(string message, int retryAfterSeconds = 5) : Exception(message)
{
    public int RetryAfterSeconds { get; } = retryAfterSeconds;
}
