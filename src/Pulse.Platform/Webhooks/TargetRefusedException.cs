namespace Pulse.Platform.Webhooks;

/// <summary>
/// A connection <see cref="TargetGuard.CreateHandler"/> would not open because the host resolved
/// only to private, loopback or link-local addresses; not transient, so not worth a retry.
/// </summary>
internal sealed class TargetRefusedException(string message) : HttpRequestException(message)
{
    /// <summary>Whether <paramref name="exception"/> or one of its inner exceptions is a refusal.</summary>
    public static bool IsRefusal(Exception? exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is TargetRefusedException)
                return true;
        }
        return false;
    }
}
