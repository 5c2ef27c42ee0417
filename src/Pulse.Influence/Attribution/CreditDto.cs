namespace Pulse.Influence.Attribution;

/// <summary>Conversions and value credited, on the wire (rounded to 6 decimals).</summary>
public sealed record CreditDto(double Conversions, double Value)
{
    public static CreditDto From(Credit c) => new(Math.Round(c.Conversions, 6), Math.Round(c.Value, 6));
}
