namespace Pulse.Influence.Attribution;

/// <summary>
/// The rule-based models: each gives a converting journey's touches weights that sum to 1, and a
/// touch is credited its weight times the journey's conversions and value. Journeys that did not
/// convert do not count.
/// </summary>
internal static class RuleModels
{
    /// <summary>Fills <paramref name="weights"/> (one per touch of <paramref name="journey"/>) for <paramref name="model"/>.</summary>
    public static void Weights(AttributionModel model, Journey journey, AttributionSettings settings, Span<double> weights)
    {
        var k = weights.Length;
        weights.Clear();
        switch (model)
        {
            case AttributionModel.LastClick:
                weights[k - 1] = 1;
                break;
            case AttributionModel.FirstClick:
                weights[0] = 1;
                break;
            case AttributionModel.Linear:
                weights.Fill(1.0 / k);
                break;
            case AttributionModel.PositionBased:
                if (k <= 2)
                {
                    // One touch takes everything; two split it (there is no middle to give 20 % to).
                    weights.Fill(1.0 / k);
                    break;
                }
                weights[0] = weights[k - 1] = AttributionSettings.PositionEndShare;
                var middle = (1 - 2 * AttributionSettings.PositionEndShare) / (k - 2);
                for (var i = 1; i < k - 1; i++)
                    weights[i] = middle;
                break;
            case AttributionModel.TimeDecay:
                TimeDecay(journey, settings, weights);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(model), model, "Not a rule-based model.");
        }
    }

    private static void TimeDecay(Journey journey, AttributionSettings settings, Span<double> weights)
    {
        var k = weights.Length;
        var sum = 0.0;
        if (journey.Timestamps is { } at)
        {
            var converted = journey.ConvertedAt ?? at[k - 1];
            for (var i = 0; i < k; i++)
                sum += weights[i] = Math.Pow(2, -(converted - at[i]).TotalDays / settings.HalfLifeDays);
        }
        else
        {
            for (var i = 0; i < k; i++)
                sum += weights[i] = Math.Pow(2, -(k - 1 - i) / settings.HalfLifeSteps);
        }
        for (var i = 0; i < k; i++)
            weights[i] /= sum;
    }
}
