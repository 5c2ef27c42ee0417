using Pulse.Collect.Events;
using Pulse.Influence.Attribution;

namespace Pulse.Influence.Tests.Attribution;

/// <summary>How touches on the log become journeys: windows, repeat conversions, codes, repeats within a visit, bots.</summary>
public sealed class JourneyBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private static readonly Guid Anna = Guid.Parse("00000000-0000-0000-0000-0000000000a1");
    private static readonly Guid Kuba = Guid.Parse("00000000-0000-0000-0000-0000000000b2");
    private readonly JourneyBuilder _builder = new(new Dictionary<string, Guid> { ["anna_fit"] = Anna, ["kuba_runs"] = Kuba }, "Link Clicked");

    private static Touchpoint Visit(double hours, string? source = null, string? medium = null, string? content = null, string? ad = null,
        string? referrerType = null, string? referrerName = null, bool bot = false) =>
        new("a", null, T0.AddHours(hours), "Page", source, medium, null, content, ad, referrerType, referrerName, null, null, null, bot);

    [Fact]
    public void Classify_NamesChannelsAndCreators_AndSkipsBotsAndDirectVisits()
    {
        Assert.Equal(("instagram", (Guid?)Anna), Of(_builder.Classify(Visit(0, "instagram", "influencer", "anna_fit"))));
        Assert.Equal(("tiktok", (Guid?)Kuba), Of(_builder.Classify(Visit(0, "kuba_runs", "influencer", referrerType: "social", referrerName: "TikTok"))));
        Assert.Equal(("meta_ads", (Guid?)null), Of(_builder.Classify(Visit(0, "facebook", "paid_social", ad: "meta"))));
        Assert.Equal(("email", (Guid?)null), Of(_builder.Classify(Visit(0, "newsletter", "email"))));
        Assert.Equal(("organic_search", (Guid?)null), Of(_builder.Classify(Visit(0, referrerType: "search", referrerName: "Google"))));
        Assert.Equal(("youtube", (Guid?)null), Of(_builder.Classify(Visit(0, referrerType: "social", referrerName: "YouTube"))));
        Assert.Null(_builder.Classify(Visit(0, "instagram", "influencer", "anna_fit", bot: true)));
        Assert.Null(_builder.Classify(Visit(0, referrerType: "internal")));
        var click = new Touchpoint("a", null, T0, "Link Clicked", null, null, null, null, null, null, null, Anna.ToString(), "spring", "tiktok", false);
        Assert.Equal(new Touch(T0, "tiktok", "spring", Anna), _builder.Classify(click));

        static (string, Guid?) Of(Touch? t) => (t!.Value.Channel, t.Value.Creator);
    }

    [Fact]
    public void Journeys_KeepTheLookbackWindow_StartAfterTheLastConversion_AndCountARepeatWithinAVisitOnce()
    {
        var touches = new Dictionary<string, List<Touch>>
        {
            ["p"] =
            [
                new(T0.AddDays(-40), "tiktok", null, null), // before the 30-day window of the first sale
                new(T0.AddDays(-2), "email", null, null),
                new(T0.AddDays(-1), "instagram", "spring", Anna),
                new(T0.AddDays(-1).AddMinutes(1), "instagram", "spring", null), // the landing page of that click
                new(T0.AddDays(1), "meta_ads", null, null),
                new(T0.AddDays(3), "organic_search", null, null), // after the second sale: did not convert
            ],
            ["q"] = [new(T0.AddDays(-3), "email", null, null)],
        };
        var journeys = JourneyBuilder.Journeys(touches, [new ConversionPoint("p", T0, 100, null, null), new ConversionPoint("p", T0.AddDays(2), 50, null, null)],
            TimeSpan.FromDays(30), codeFirst: true, from: T0.AddDays(-10));
        var paths = journeys.Select(j => (string.Join(">", j.Path.Select(t => t.Channel)), j.Conversion?.Value)).ToList();
        Assert.Equal([("email>instagram", 100.0), ("meta_ads", 50.0), ("organic_search", null), ("email", null)], paths);
        // Q's path ended before the report's range: it does not count as a path that did not convert.
        Assert.Equal(3, JourneyBuilder.Journeys(touches, [new ConversionPoint("p", T0, 100, null, null), new ConversionPoint("p", T0.AddDays(2), 50, null, null)],
            TimeSpan.FromDays(30), true, T0.AddDays(-2)).Count);
    }

    [Fact]
    public void ACreatorsCode_TakesTheSale_OrJoinsTheJourney_AsSet()
    {
        var touches = new Dictionary<string, List<Touch>> { ["p"] = [new(T0.AddHours(-5), "instagram", null, Anna), new(T0.AddHours(-2), "tiktok", "run-club", Kuba)] };
        var sale = new ConversionPoint("p", T0, 80, Anna, "spring");
        var first = Assert.Single(JourneyBuilder.Journeys(touches, [sale], TimeSpan.FromDays(30), codeFirst: true, T0.AddDays(-1)));
        Assert.Equal([new Touch(T0, "instagram", "spring", Anna)], first.Path);
        var joined = Assert.Single(JourneyBuilder.Journeys(touches, [sale], TimeSpan.FromDays(30), codeFirst: false, T0.AddDays(-1)));
        Assert.Equal(["instagram", "tiktok", "instagram"], joined.Path.Select(t => t.Channel));
        Assert.Equal([Anna, Kuba, Anna], joined.Path.Select(t => t.Creator!.Value));
        // Without any touch of the creator, the code is a channel of its own.
        var bare = Assert.Single(JourneyBuilder.Journeys([], [sale with { Person = "nobody" }], TimeSpan.FromDays(30), true, T0.AddDays(-1)));
        Assert.Equal(JourneyBuilder.CodeChannel, bare.Path.Single().Channel);
    }

    [Fact]
    public void AtLevel_GroupsPathsThatDidNotConvert_AndSendsConversionsWithoutTouchesToDirect()
    {
        var journeys = new List<(List<Touch>, ConversionPoint?)>
        {
            ([new(T0, "email", null, null)], null),
            ([new(T0.AddHours(1), "email", null, null)], null),
            ([], new ConversionPoint("x", T0, 20, null, null)),
            ([new(T0, "instagram", "spring", Anna)], new ConversionPoint("y", T0, 10, null, null)),
        };
        var channel = JourneyBuilder.AtLevel(journeys, AttributionLevel.Channel);
        Assert.Contains(channel, j => j.Path is ["email"] && j.Nulls == 2 && j.Conversions == 0);
        Assert.Contains(channel, j => j.Path is [JourneyBuilder.Direct] && j.Value == 20);
        Assert.Equal(3, channel.Count);
        Assert.Contains(JourneyBuilder.AtLevel(journeys, AttributionLevel.Creator), j => j.Path.SequenceEqual([Anna.ToString()]) && j.Conversions == 1);
        Assert.Contains(JourneyBuilder.AtLevel(journeys, AttributionLevel.Campaign), j => j.Path is [JourneyBuilder.None] && j.Nulls == 2);
    }
}
