namespace Pulse.Collect.Anomalies;

/// <summary>
/// Whether one hour's count of an event is out of line with the same hour of earlier weeks.
/// Expected is the median of those weeks; the band is expected ± tolerance × spread, where spread is
/// the largest of the MAD-based sigma (robust to one odd week), the Poisson noise √expected and 10%
/// of expected. Events usually below <see cref="VolumeRuleSettings.MinExpected"/> never alert.
/// </summary>
internal static class VolumeRule
{
    private const double MadToSigma = 1.4826;
    private const double RelativeFloor = 0.1;
    public const int MinWeeks = 2;

    public static VolumeVerdict Evaluate(long observed, ReadOnlySpan<long> history, VolumeRuleSettings settings)
    {
        if (history.Length < MinWeeks)
            return new VolumeVerdict(VolumeState.NotEnoughHistory, 0, 0, 0);
        var expected = Median(history.ToArray().Select(v => (double)v).ToArray());
        if (expected < settings.MinExpected)
            return new VolumeVerdict(VolumeState.TooQuiet, expected, 0, 0);
        var deviations = new double[history.Length];
        for (var i = 0; i < history.Length; i++)
            deviations[i] = Math.Abs(history[i] - expected);
        var spread = Math.Max(Math.Max(MadToSigma * Median(deviations), Math.Sqrt(expected)), RelativeFloor * expected);
        var lower = Math.Max(0, expected - settings.Tolerance * spread);
        var upper = expected + settings.Tolerance * spread;
        var state = observed < lower ? VolumeState.Drop : observed > upper ? VolumeState.Spike : VolumeState.InBand;
        return new VolumeVerdict(state, expected, lower, upper);
    }

    private static double Median(double[] values)
    {
        Array.Sort(values);
        var mid = values.Length / 2;
        return values.Length % 2 == 1 ? values[mid] : (values[mid - 1] + values[mid]) / 2;
    }
}

internal sealed record VolumeRuleSettings(double Tolerance, double MinExpected);

internal enum VolumeState
{
    NotEnoughHistory,
    TooQuiet,
    InBand,
    Drop,
    Spike,
}

internal sealed record VolumeVerdict(VolumeState State, double Expected, double Lower, double Upper)
{
    public bool IsAnomaly => State is VolumeState.Drop or VolumeState.Spike;
}
