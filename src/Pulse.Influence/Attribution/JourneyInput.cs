namespace Pulse.Influence.Attribution;

/// <summary>One journey of an analysis request (see <see cref="AnalyzeRequest"/>).</summary>
public sealed record JourneyInput(
    IReadOnlyList<string>? Path, double? Conversions, double? Value, double? Nulls,
    IReadOnlyList<DateTimeOffset>? Timestamps = null, DateTimeOffset? ConvertedAt = null);
