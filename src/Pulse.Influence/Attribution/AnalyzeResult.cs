namespace Pulse.Influence.Attribution;

/// <summary>
/// The answer of an analysis: per model (by its wire name), per touch (most credited first), the
/// conversions and value credited; and the journeys' totals, which every model's credits add up to.
/// </summary>
public sealed record AnalyzeResult(IReadOnlyDictionary<string, IReadOnlyDictionary<string, CreditDto>> Models, CreditDto Totals)
{
    public static AnalyzeResult Of(AnalyzeRequest request)
    {
        var (models, journeys, settings) = request.Validate();
        var credited = Attributor.Attribute(journeys, models, settings);
        var totals = new Credit(journeys.Sum(j => j.Conversions), journeys.Sum(j => j.Value));
        return new AnalyzeResult(Ordered(credited, models), CreditDto.From(totals));
    }

    /// <summary>The credits per model's wire name, each model's touches most credited first.</summary>
    internal static IReadOnlyDictionary<string, IReadOnlyDictionary<string, CreditDto>> Ordered(
        IReadOnlyDictionary<AttributionModel, IReadOnlyDictionary<string, Credit>> credited, IEnumerable<AttributionModel> models)
    {
        var result = new Dictionary<string, IReadOnlyDictionary<string, CreditDto>>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            result[AttributionModels.Name(model)] = credited[model]
                .OrderByDescending(c => c.Value.Conversions).ThenByDescending(c => c.Value.Value).ThenBy(c => c.Key, StringComparer.Ordinal)
                .ToDictionary(c => c.Key, c => CreditDto.From(c.Value), StringComparer.Ordinal);
        }
        return result;
    }
}
