using Pulse.Influence.Attribution;

namespace Pulse.Influence.Tests.Attribution;

/// <summary>
/// Each model against a published worked example, with the figures the example gives.
/// </summary>
public sealed class WorkedExampleTests
{
    private const double Tolerance = 1e-9;

    private static Journey J(double conversions, double nulls, params string[] path) => new(path, conversions, conversions * 100, nulls);

    private static IReadOnlyDictionary<string, Credit> Run(AttributionModel model, params Journey[] journeys) =>
        Attributor.Attribute(journeys, [model])[model];

    /// <summary>
    /// Serhii Puzyrov, "Markov Chain Attribution – Simple Explanation Of Removal Effect" (2019):
    /// Google Ads alone converts twice and fails once, mailing alone converts once, Google Ads then
    /// mailing converts once. P(conv) = 0.8; without Google Ads 0.2 (removal effect 0.75), without
    /// mailing 0.4 (0.5); the 4 conversions split 0.75 : 0.5, so 2.4 and 1.6.
    /// </summary>
    [Fact]
    public void Markov_GivesThePuzyrovExamplesRemovalEffectsAndCredits()
    {
        Journey[] journeys = [J(2, 0, "google ads"), J(1, 0, "mailing"), J(1, 0, "google ads", "mailing"), J(0, 1, "google ads")];
        var (credits, effects) = MarkovModel.Analyze(journeys);
        Assert.Equal(0.75, effects["google ads"], Tolerance);
        Assert.Equal(0.5, effects["mailing"], Tolerance);
        Assert.Equal(2.4, credits["google ads"].Conversions, Tolerance);
        Assert.Equal(1.6, credits["mailing"].Conversions, Tolerance);
        // Value follows the same shares: 400 in all.
        Assert.Equal(240, credits["google ads"].Value, Tolerance);
        Assert.Equal(160, credits["mailing"].Value, Tolerance);
    }

    /// <summary>
    /// The Facebook / Organic / LinkedIn example of "Data-driven marketing attribution" (Towards
    /// Data Science, 2019; reproduced in the notebook "Data Driven Attribution" of
    /// github.com/tomgorb/misc): of 100 conversions, 20 came through F alone, 10 O, 17 L, 17 F+O,
    /// 30 F+L, 0 O+L, 6 all three. Shapley values 0.455, 0.205 and 0.34.
    /// </summary>
    [Fact]
    public void Shapley_GivesTheFacebookOrganicLinkedInExamplesValues()
    {
        Journey[] journeys =
        [
            J(20, 0, "F"), J(10, 0, "O"), J(17, 0, "L"), J(17, 0, "O", "F"), J(30, 0, "L", "F"), J(6, 0, "F", "O", "L"),
            // Order and repeats do not matter to the coalition game.
            J(0, 5, "O", "L"),
        ];
        var credits = Run(AttributionModel.Shapley, journeys);
        Assert.Equal(45.5, credits["F"].Conversions, Tolerance);
        Assert.Equal(20.5, credits["O"].Conversions, Tolerance);
        Assert.Equal(34, credits["L"].Conversions, Tolerance);
    }

    /// <summary>
    /// Google Analytics Help, "Attribution models": position-based gives the first and last
    /// interactions 40 % each and the 20 % left to those between (4 touches: 40/10/10/40); time
    /// decay with a 7-day half-life gives a touch 8 days before the conversion half the credit of
    /// one 1 day before.
    /// </summary>
    [Fact]
    public void PositionBasedAndTimeDecay_GiveGoogleAnalyticsDocumentedShares()
    {
        var position = Run(AttributionModel.PositionBased, J(1, 0, "paid search", "social", "email", "direct"));
        Assert.Equal([0.4, 0.1, 0.1, 0.4], new[] { "paid search", "social", "email", "direct" }.Select(c => Math.Round(position[c].Conversions, 12)));
        Assert.Equal(0.5, Run(AttributionModel.PositionBased, J(1, 0, "a", "b"))["a"].Conversions, Tolerance);

        var converted = new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
        var journey = new Journey(["display", "email"], 1, 90, 0, [converted.AddDays(-8), converted.AddDays(-1)], converted);
        var decay = Run(AttributionModel.TimeDecay, journey);
        Assert.Equal(0.5, decay["display"].Conversions / decay["email"].Conversions, Tolerance);
        Assert.Equal(1, decay["display"].Conversions + decay["email"].Conversions, Tolerance);
        Assert.Equal(30, decay["display"].Value, Tolerance);
        // Without timestamps a step is a half-life (halfLifeSteps 1): the last touch weighs 1, the one before ½, then ¼.
        var steps = Run(AttributionModel.TimeDecay, J(7, 0, "a", "b", "c"));
        Assert.Equal([1.0, 2.0, 4.0], new[] { "a", "b", "c" }.Select(c => Math.Round(steps[c].Conversions, 12)));
    }

    [Fact]
    public void FirstLastAndLinear_CreditTheTouchesTheyName_AndIgnoreJourneysThatDidNotConvert()
    {
        Journey[] journeys = [J(3, 0, "tiktok", "email", "direct"), J(0, 10, "tiktok", "instagram")];
        Assert.Equal(3, Run(AttributionModel.FirstClick, journeys)["tiktok"].Conversions);
        Assert.Equal(3, Run(AttributionModel.LastClick, journeys)["direct"].Conversions);
        Assert.Equal(0, Run(AttributionModel.LastClick, journeys)["instagram"].Conversions);
        var linear = Run(AttributionModel.Linear, journeys);
        Assert.All(new[] { "tiktok", "email", "direct" }, c => Assert.Equal(1, linear[c].Conversions, Tolerance));
        Assert.Equal(100, linear["email"].Value, Tolerance);
    }
}
