namespace Pulse.Influence.Attribution;

/// <summary>
/// The models' parameters. Time decay halves a touch's weight for every
/// <see cref="HalfLifeDays"/> it happened before the conversion (GA's default is 7 days); a journey
/// without timestamps counts steps instead, halving per <see cref="HalfLifeSteps"/> touches before the last.
/// </summary>
public sealed record AttributionSettings(double HalfLifeDays = 7, double HalfLifeSteps = 1)
{
    public static AttributionSettings Default { get; } = new();

    /// <summary>Position-based: the first and the last touch's shares; the touches between split the rest (40/20/40).</summary>
    public const double PositionEndShare = 0.4;
}
