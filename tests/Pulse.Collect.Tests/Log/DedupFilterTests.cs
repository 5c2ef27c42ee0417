using Pulse.Collect.Log;

namespace Pulse.Collect.Tests.Log;

[Trait("Storage", "embedded")]
public sealed class DedupFilterTests
{
    private static readonly Guid Source = Guid.Parse("0193a5c0-0000-7000-8000-000000000001");

    [Fact]
    public void ADayWithFarMoreIdsThanExpected_GrowsSlices_AndKeepsFalsePositivesRare()
    {
        var filter = new DedupFilter(windowDays: 7, expectedPerDay: 10_000);
        const long day = 20_000;
        for (var i = 0; i < 40_000; i++)
            filter.Add(DedupFilter.Hash(Source, "seen-" + i), day);

        Assert.Equal(4, filter.Slices);
        for (var i = 0; i < 40_000; i += 97)
            Assert.True(filter.MaybeContains(DedupFilter.Hash(Source, "seen-" + i), day));
        // One fixed slice holding four times its capacity would answer "maybe" for about 2% of new
        // ids; four slices keep it near 4 × 0.01%.
        var maybes = Enumerable.Range(0, 100_000).Count(i => filter.MaybeContains(DedupFilter.Hash(Source, "new-" + i), day));
        Assert.True(maybes < 100, $"{maybes} of 100,000 new ids looked seen");
    }

    [Fact]
    public void IdsLeaveTheFilter_WhenTheirDayLeavesTheWindow()
    {
        var filter = new DedupFilter(windowDays: 2, expectedPerDay: 1000);
        var id = DedupFilter.Hash(Source, "m1");
        filter.Add(id, 100);
        Assert.True(filter.MaybeContains(id, 102));
        Assert.False(filter.MaybeContains(id, 103));
        filter.Add(DedupFilter.Hash(Source, "m2"), 103); // reuses the slot of day 100
        Assert.False(filter.MaybeContains(id, 103));
    }
}
