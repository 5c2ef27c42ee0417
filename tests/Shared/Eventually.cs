namespace Pulse.Tests.Shared;

/// <summary>
/// Waiting on state, never for a fixed time: a probe asked again until its answer will do, within a
/// limit generous enough for a busy two-core machine. The limit only ends a wait that will never
/// succeed; no test asserts how long anything took.
/// </summary>
internal static class Eventually
{
    /// <summary>Asks <paramref name="probe"/> again until its answer is <paramref name="done"/>; returns that answer.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, TimeSpan atMost, Func<string> what, int pollMilliseconds = 100)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var answer = await probe();
            if (done(answer))
                return answer;
            if (TimeProvider.System.GetElapsedTime(started) > atMost)
                throw new TimeoutException($"Waited {atMost.TotalSeconds:0} s for this, in vain: {what()}");
            await Task.Delay(pollMilliseconds);
        }
    }

    public static Task UntilAsync(Func<Task<bool>> condition, TimeSpan atMost, Func<string> what, int pollMilliseconds = 100) =>
        UntilAsync(condition, ok => ok, atMost, what, pollMilliseconds);

    public static Task UntilAsync(Func<bool> condition, TimeSpan atMost, Func<string> what, int pollMilliseconds = 100) =>
        UntilAsync(() => Task.FromResult(condition()), ok => ok, atMost, what, pollMilliseconds);
}
