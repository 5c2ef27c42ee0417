using Pulse.Collect.Anomalies;

namespace Pulse.Collect.Tests.Anomalies;

public sealed class VolumeRuleTests
{
    private static readonly VolumeRuleSettings Defaults = new(Tolerance: 4, MinExpected: 20);

    [Fact]
    public void DropToZero_OfABusyEvent_Alerts()
    {
        var v = VolumeRule.Evaluate(0, [118, 121, 110, 125], Defaults);
        Assert.Equal(VolumeState.Drop, v.State);
        Assert.Equal(119.5, v.Expected);
    }

    [Fact]
    public void DropToZero_AtTheMinimumVolume_StillAlerts()
    {
        Assert.Equal(VolumeState.Drop, VolumeRule.Evaluate(0, [20, 21, 19, 22], Defaults).State);
    }

    [Theory]
    [InlineData(90)]
    [InlineData(150)]
    [InlineData(118)]
    public void NormalVariation_DoesNotAlert(long observed)
    {
        Assert.Equal(VolumeState.InBand, VolumeRule.Evaluate(observed, [100, 120, 110, 130], Defaults).State);
    }

    [Fact]
    public void OneOddWeek_DoesNotWidenTheBandMuch()
    {
        // A Black-Friday week in the history: the median and MAD ignore it, so a drop still shows.
        var v = VolumeRule.Evaluate(30, [100, 105, 2000, 98], Defaults);
        Assert.Equal(VolumeState.Drop, v.State);
        Assert.True(v.Upper < 200, $"upper {v.Upper}");
    }

    [Fact]
    public void Spike_Alerts()
    {
        Assert.Equal(VolumeState.Spike, VolumeRule.Evaluate(400, [118, 121, 110, 125], Defaults).State);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(500)]
    public void LowVolume_NeverAlerts(long observed)
    {
        var v = VolumeRule.Evaluate(observed, [5, 8, 3, 6], Defaults);
        Assert.Equal(VolumeState.TooQuiet, v.State);
        Assert.False(v.IsAnomaly);
    }

    [Fact]
    public void OneWeekOfHistory_IsNotEnough()
    {
        Assert.Equal(VolumeState.NotEnoughHistory, VolumeRule.Evaluate(0, [500], Defaults).State);
    }

    [Fact]
    public void SmallVolumes_GetAtLeastPoissonNoise()
    {
        // Identical weeks give MAD 0; √expected keeps 40 ± 4·√40 in band, not only exactly 40.
        var v = VolumeRule.Evaluate(25, [40, 40, 40, 40], Defaults);
        Assert.Equal(VolumeState.InBand, v.State);
    }
}
