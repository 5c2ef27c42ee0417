namespace Pulse.Influence.Attribution;

/// <summary>
/// Credits the conversions and value of journeys to their touches under each model asked for.
/// In every model a conversion's credits sum to the conversion (and its value): the rule-based
/// models by their weights, Markov by making the removal effects sum to 1, Shapley by efficiency.
/// </summary>
public static class Attributor
{
    public static IReadOnlyDictionary<AttributionModel, IReadOnlyDictionary<string, Credit>> Attribute(
        IReadOnlyList<Journey> journeys, IEnumerable<AttributionModel> models, AttributionSettings? settings = null)
    {
        settings ??= AttributionSettings.Default;
        var result = new Dictionary<AttributionModel, IReadOnlyDictionary<string, Credit>>();
        foreach (var model in models.Distinct())
        {
            result[model] = model switch
            {
                AttributionModel.Markov => MarkovModel.Attribute(journeys),
                AttributionModel.Shapley => ShapleyModel.Attribute(journeys),
                _ => ByRule(model, journeys, settings),
            };
        }
        return result;
    }

    private static Dictionary<string, Credit> ByRule(AttributionModel model, IReadOnlyList<Journey> journeys, AttributionSettings settings)
    {
        var credits = new Dictionary<string, Credit>(StringComparer.Ordinal);
        var weights = new double[16];
        foreach (var j in journeys)
        {
            foreach (var touch in j.Path)
                credits.TryAdd(touch, default);
            if (j.Conversions <= 0 && j.Value <= 0)
                continue;
            if (weights.Length < j.Path.Count)
                weights = new double[j.Path.Count * 2];
            var w = weights.AsSpan(0, j.Path.Count);
            RuleModels.Weights(model, j, settings, w);
            for (var i = 0; i < w.Length; i++)
            {
                if (w[i] != 0)
                    credits[j.Path[i]] += new Credit(j.Conversions * w[i], j.Value * w[i]);
            }
        }
        return credits;
    }
}
