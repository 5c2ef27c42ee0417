using CsCheck;
using Pulse.Influence.Attribution;

namespace Pulse.Influence.Tests.Attribution;

/// <summary>The models' invariants over generated journeys.</summary>
public sealed class AttributionPropertyTests
{
    private static readonly string[] Channels = ["instagram", "tiktok", "youtube", "email", "search", "direct", "facebook", "x"];

    private static readonly Gen<Journey> OneJourney =
        from length in Gen.Int[1, 6]
        from path in Gen.OneOf(Channels).Array[length]
        from converts in Gen.Bool
        from conversions in Gen.Int[1, 20]
        from value in Gen.Double[0, 500]
        from nulls in Gen.Int[0, 30]
        select converts ? new Journey(path, conversions, Math.Round(value, 2) * conversions, nulls) : new Journey(path, 0, 0, nulls + 1);

    private static readonly Gen<Journey[]> Journeys = OneJourney.Array[1, 40];

    [Fact]
    public void EveryModelsCredits_SumToTheConversionsAndValue() =>
        Journeys.Sample(journeys =>
        {
            var conversions = journeys.Sum(j => j.Conversions);
            var value = journeys.Sum(j => j.Value);
            foreach (var (model, credits) in Attributor.Attribute(journeys, Enum.GetValues<AttributionModel>()))
            {
                // Markov needs a conversion the chain can reach; without one nothing is credited.
                Assert.True(Math.Abs(credits.Values.Sum(c => c.Conversions) - conversions) < 1e-6 * Math.Max(1, conversions), $"{model}: conversions");
                Assert.True(Math.Abs(credits.Values.Sum(c => c.Value) - value) < 1e-6 * Math.Max(1, value), $"{model}: value");
                Assert.All(credits.Values, c => Assert.True(c.Conversions >= -1e-9 && c.Value >= -1e-9, $"{model}: a negative credit"));
            }
        });

    [Fact]
    public void ASingleTouchJourney_GivesThatTouchEverything_InEveryModel() =>
        (from channel in Gen.OneOf(Channels)
         from conversions in Gen.Int[1, 50]
         from nulls in Gen.Int[0, 50]
         select (channel, conversions, nulls))
        .Sample(x =>
        {
            Journey[] journeys = [new([x.channel], x.conversions, x.conversions * 10.0, x.nulls)];
            foreach (var (model, credits) in Attributor.Attribute(journeys, Enum.GetValues<AttributionModel>()))
            {
                var credit = Assert.Single(credits);
                Assert.Equal(x.channel, credit.Key);
                Assert.True(Math.Abs(credit.Value.Conversions - x.conversions) < 1e-9, model.ToString());
            }
        });

    /// <summary>The closed form against the textbook sum over coalitions, |S|!(n-|S|-1)!/n! (v(S+i) - v(S)).</summary>
    [Fact]
    public void Shapley_EqualsTheSumOverEveryCoalition() =>
        Journeys.Sample(journeys =>
        {
            var players = journeys.SelectMany(j => j.Path).Distinct().ToArray();
            var n = players.Length;
            double Worth(int coalition) => journeys
                .Where(j => j.Path.All(t => (coalition & (1 << Array.IndexOf(players, t))) != 0))
                .Sum(j => j.Conversions);
            var credits = Attributor.Attribute(journeys, [AttributionModel.Shapley])[AttributionModel.Shapley];
            for (var i = 0; i < n; i++)
            {
                var phi = 0.0;
                for (var s = 0; s < 1 << n; s++)
                {
                    if ((s & (1 << i)) != 0)
                        continue;
                    var size = System.Numerics.BitOperations.PopCount((uint)s);
                    phi += Factorial(size) * Factorial(n - size - 1) / Factorial(n) * (Worth(s | (1 << i)) - Worth(s));
                }
                Assert.True(Math.Abs(phi - credits[players[i]].Conversions) < 1e-6, $"{players[i]}: {phi} by coalitions, {credits[players[i]].Conversions} credited");
            }
        }, iter: 60);

    private static double Factorial(int k)
    {
        var f = 1.0;
        for (var i = 2; i <= k; i++)
            f *= i;
        return f;
    }
}
