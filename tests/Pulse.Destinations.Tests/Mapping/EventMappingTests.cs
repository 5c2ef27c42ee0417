using Pulse.Destinations.Mapping;

namespace Pulse.Destinations.Tests.Mapping;

/// <summary>Which platform event a Pulse event becomes, and which mappings a destination may not save.</summary>
public sealed class EventMappingTests
{
    [Theory]
    [InlineData(DestinationType.Meta, "Order Completed", "Purchase")]
    [InlineData(DestinationType.Meta, "Product Viewed", "ViewContent")]
    [InlineData(DestinationType.Meta, "Product Added", "AddToCart")]
    [InlineData(DestinationType.Meta, "Checkout Started", "InitiateCheckout")]
    [InlineData(DestinationType.Meta, "Signed Up", "CompleteRegistration")]
    [InlineData(DestinationType.TikTok, "Order Completed", "Purchase")]
    [InlineData(DestinationType.TikTok, "Checkout Started", "InitiateCheckout")]
    [InlineData(DestinationType.Ga4, "Order Completed", "purchase")]
    [InlineData(DestinationType.Ga4, "Product Viewed", "view_item")]
    [InlineData(DestinationType.Ga4, "Signed Up", "sign_up")]
    [InlineData(DestinationType.Ga4, "Order Refunded", "refund")]
    [InlineData(DestinationType.Webhook, "Anything At All", "Anything At All")]
    public void SpecEvents_MapToEachPlatformsStandardEvent_ByDefault(DestinationType type, string name, string expected) =>
        Assert.Equal(expected, EventMapping.Resolve(type, name, []));

    [Theory]
    [InlineData(DestinationType.Meta, "Cart Viewed")]
    [InlineData(DestinationType.Meta, "Newsletter Opened")]
    [InlineData(DestinationType.Ga4, "Trial Started")]
    [InlineData(DestinationType.LinkedIn, "Order Completed")]
    [InlineData(DestinationType.Meta, "order completed")]
    public void EventsWithoutAMapping_AreNotSent(DestinationType type, string name) =>
        Assert.Null(EventMapping.Resolve(type, name, []));

    [Fact]
    public void TheDestinationsOwnRules_ComeFirst()
    {
        EventMappingRule[] rules = [new("Order Completed", "Subscribe"), new("Quiz Finished", "QuizFinished", Custom: true)];
        Assert.Equal("Subscribe", EventMapping.Resolve(DestinationType.Meta, "Order Completed", rules));
        Assert.Equal("QuizFinished", EventMapping.Resolve(DestinationType.Meta, "Quiz Finished", rules));
        Assert.Equal("ViewContent", EventMapping.Resolve(DestinationType.Meta, "Product Viewed", rules));
        Assert.Equal("urn:lla:llaPartnerConversion:123",
            EventMapping.Resolve(DestinationType.LinkedIn, "Order Completed", [new("Order Completed", "urn:lla:llaPartnerConversion:123")]));
    }

    [Fact]
    public void GoodRules_HaveNoProblems()
    {
        Assert.Empty(EventMapping.Problems(DestinationType.Meta, [new("Order Completed", "Purchase"), new("Quiz Finished", "Quiz Finished", true)]));
        Assert.Empty(EventMapping.Problems(DestinationType.TikTok, [new("Order Completed", "CompletePayment")]));
        Assert.Empty(EventMapping.Problems(DestinationType.LinkedIn, [new("Order Completed", "urn:lla:llaPartnerConversion:987654")]));
        Assert.Empty(EventMapping.Problems(DestinationType.Ga4, [new("Quiz Finished", "quiz_finished", true), new("Order Completed", "purchase")]));
    }

    [Theory]
    [InlineData(DestinationType.Meta, "Order Completed", "Buy", false, "not a Meta standard event")]
    [InlineData(DestinationType.Meta, "Order Completed", "Purchase", true, "not a standard event's name")]
    [InlineData(DestinationType.TikTok, "Quiz Finished", "QuizFinished", true, "standard events only")]
    [InlineData(DestinationType.TikTok, "Order Completed", "purchase", false, "not a TikTok standard event")]
    [InlineData(DestinationType.LinkedIn, "Order Completed", "Purchase", false, "urn:lla:llaPartnerConversion")]
    [InlineData(DestinationType.Ga4, "Page", "page_view", false, "reserved by GA4")]
    [InlineData(DestinationType.Ga4, "Quiz", "page_view", true, "reserved by GA4")]
    [InlineData(DestinationType.Ga4, "Quiz", "Quiz Finished", true, "at most 40 letters")]
    [InlineData(DestinationType.Ga4, "Quiz", "google_quiz", true, "reserved prefix")]
    [InlineData(DestinationType.Ga4, "Order Completed", "buy", false, "not a GA4 recommended event")]
    [InlineData(DestinationType.Meta, "", "Purchase", false, "must name a Pulse event")]
    [InlineData(DestinationType.Meta, "Order Completed", "", false, "to is required")]
    public void BadRules_AreNamedWithTheirPosition(DestinationType type, string name, string to, bool custom, string expected)
    {
        var problem = Assert.Single(EventMapping.Problems(type, [new(name, to, custom)]));
        Assert.StartsWith("mappings[0]", problem, StringComparison.Ordinal);
        Assert.Contains(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEventMappedTwice_IsAProblem()
    {
        var problem = Assert.Single(EventMapping.Problems(DestinationType.Meta, [new("Order Completed", "Purchase"), new("Order Completed", "Subscribe")]));
        Assert.Contains("mapped twice", problem, StringComparison.Ordinal);
    }
}
