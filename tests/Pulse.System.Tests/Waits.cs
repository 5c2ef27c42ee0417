namespace Pulse.System.Tests;

/// <summary>Waiting on state, never for a fixed time: a condition polled until it holds, within a generous limit for a busy machine.</summary>
internal static class Waits
{
    public static async Task UntilAsync(Func<Task<bool>> condition, TimeSpan atMost, Func<string> what, int pollMilliseconds = 250)
    {
        using var limit = new CancellationTokenSource(atMost);
        while (!await condition())
        {
            if (limit.IsCancellationRequested)
                throw new TimeoutException($"Waited {atMost.TotalSeconds:0} s for this, in vain: {what()}");
            await Task.Delay(pollMilliseconds);
        }
    }

    public static Task UntilAsync(Func<bool> condition, TimeSpan atMost, Func<string> what, int pollMilliseconds = 250) =>
        UntilAsync(() => Task.FromResult(condition()), atMost, what, pollMilliseconds);
}
