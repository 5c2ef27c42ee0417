namespace Pulse.Influence.Attribution;

/// <summary>The conversions and the value a model credits to one touch (channel, campaign or creator).</summary>
public readonly record struct Credit(double Conversions, double Value)
{
    public static Credit operator +(Credit a, Credit b) => new(a.Conversions + b.Conversions, a.Value + b.Value);
}
