using System.Collections.Frozen;

namespace Pulse.Influence.Attribution;

/// <summary>The models' names on the wire (<c>last_click</c> …) and back.</summary>
public static class AttributionModels
{
    private static readonly FrozenDictionary<string, AttributionModel> ByName = new Dictionary<string, AttributionModel>(StringComparer.Ordinal)
    {
        ["last_click"] = AttributionModel.LastClick,
        ["first_click"] = AttributionModel.FirstClick,
        ["linear"] = AttributionModel.Linear,
        ["time_decay"] = AttributionModel.TimeDecay,
        ["position_based"] = AttributionModel.PositionBased,
        ["markov"] = AttributionModel.Markov,
        ["shapley"] = AttributionModel.Shapley,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>Every model's name, in the order the models are usually compared.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. ByName.OrderBy(x => x.Value).Select(x => x.Key)];

    public static bool TryParse(string name, out AttributionModel model) => ByName.TryGetValue(name, out model);

    public static string Name(AttributionModel model) => ByName.First(x => x.Value == model).Key;
}
