namespace Pulse.Influence.Attribution;

/// <summary>The attribution models Pulse computes (GLOSSARY: attribution model).</summary>
public enum AttributionModel
{
    LastClick,
    FirstClick,
    Linear,
    TimeDecay,
    PositionBased,
    Markov,
    Shapley,
}
