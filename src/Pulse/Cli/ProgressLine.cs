using System.Diagnostics;

namespace Pulse.Cli;

/// <summary>Progress on standard error: a line every two seconds and one at the end.</summary>
internal sealed class ProgressLine(string verb, long total, string unit = "events") : IProgress<long>
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _last = TimeSpan.Zero;

    public void Report(long value)
    {
        if (_clock.Elapsed - _last < TimeSpan.FromSeconds(2))
            return;
        _last = _clock.Elapsed;
        Console.Error.WriteLine(total > 0
            ? $"{verb} {value:N0} of {total:N0} {unit} ({100.0 * value / total:F0}%)"
            : $"{verb} {value:N0} {unit}");
    }

    public void Done(long value) =>
        Console.Error.WriteLine($"{verb} {value:N0} {unit} in {_clock.Elapsed.TotalSeconds:F1} s");
}
