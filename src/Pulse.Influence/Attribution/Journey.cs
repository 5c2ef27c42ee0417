namespace Pulse.Influence.Attribution;

/// <summary>
/// A path of touches (channels, campaigns or creators, in the order they happened) and what came
/// of it: <paramref name="Conversions"/> people who took it and converted (worth <paramref name="Value"/>
/// together) and <paramref name="Nulls"/> who took it and did not.
/// </summary>
/// <param name="Timestamps">When each touch happened (for time decay), or null: then each touch is one step.</param>
/// <param name="ConvertedAt">When the conversion happened; null means at the last touch.</param>
public sealed record Journey(
    IReadOnlyList<string> Path, double Conversions, double Value, double Nulls,
    IReadOnlyList<DateTimeOffset>? Timestamps = null, DateTimeOffset? ConvertedAt = null);
