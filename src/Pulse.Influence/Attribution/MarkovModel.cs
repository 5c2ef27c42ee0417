using MathNet.Numerics.LinearAlgebra;

namespace Pulse.Influence.Attribution;

/// <summary>
/// Data-driven attribution by a first-order Markov chain and each touch's removal effect: the
/// journeys (converting and not) give the chain's transitions from a start state through the
/// touches to conversion or null; a touch's removal effect is the share of the chance to convert
/// that is lost when every path through it ends there (<c>1 - P(conv without it) / P(conv)</c>);
/// conversions and value are split in proportion to the removal effects.
/// </summary>
/// <remarks>
/// One matrix inverse gives every removal effect: with N = (I - Q)^-1 (expected visits between
/// touches), x the chance to convert from each touch and v = s·N the expected visits from the
/// start, the chance to pass through touch k is v_k / N_kk, and (strong Markov property) the
/// conversions lost without k are P(reach k) · x_k. So the removal effect of k is
/// v_k · x_k / (N_kk · P(conv)), without a chain solved again per touch.
/// </remarks>
internal static class MarkovModel
{
    public static Dictionary<string, Credit> Attribute(IReadOnlyList<Journey> journeys) => Analyze(journeys).Credits;

    /// <summary>The credits and each touch's removal effect (0 to 1, before they are made to sum to 1).</summary>
    internal static (Dictionary<string, Credit> Credits, Dictionary<string, double> RemovalEffects) Analyze(IReadOnlyList<Journey> journeys)
    {
        var index = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var j in journeys)
        {
            foreach (var touch in j.Path)
                index.TryAdd(touch, index.Count);
        }
        var n = index.Count;
        var moves = Matrix<double>.Build.Dense(n, n);
        var start = new double[n];
        var toConversion = new double[n];
        var leaving = new double[n];
        double totalConversions = 0, totalValue = 0;
        foreach (var j in journeys)
        {
            var people = j.Conversions + j.Nulls;
            totalConversions += j.Conversions;
            totalValue += j.Value;
            if (people <= 0)
                continue;
            var previous = index[j.Path[0]];
            start[previous] += people;
            for (var t = 1; t < j.Path.Count; t++)
            {
                var next = index[j.Path[t]];
                moves[previous, next] += people;
                leaving[previous] += people;
                previous = next;
            }
            toConversion[previous] += j.Conversions;
            leaving[previous] += people;
        }

        var credits = index.Keys.ToDictionary(k => k, _ => default(Credit), StringComparer.Ordinal);
        var removal = index.Keys.ToDictionary(k => k, _ => 0.0, StringComparer.Ordinal);
        var starts = start.Sum();
        if (totalConversions <= 0 || starts <= 0)
            return (credits, removal);
        // Q (the counted moves, each row divided by its leavings in place): transition probabilities
        // between touches; r: the chance to convert straight from each.
        var q = moves;
        var r = Vector<double>.Build.Dense(n);
        var s = Vector<double>.Build.Dense(n);
        for (var i = 0; i < n; i++)
        {
            s[i] = start[i] / starts;
            if (leaving[i] <= 0)
                continue;
            r[i] = toConversion[i] / leaving[i];
            for (var c = 0; c < n; c++)
                q[i, c] /= leaving[i];
        }
        var visits = (Matrix<double>.Build.DenseIdentity(n) - q).Inverse();
        var x = visits * r;
        var converts = s * x;
        if (converts <= 0)
            return (credits, removal);
        var fromStart = s * visits;
        var effects = new double[n];
        for (var k = 0; k < n; k++)
            effects[k] = visits[k, k] > 0 ? fromStart[k] * x[k] / (visits[k, k] * converts) : 0;
        var total = effects.Sum();
        foreach (var (touch, k) in index)
        {
            removal[touch] = effects[k];
            if (total > 0)
                credits[touch] = new Credit(totalConversions * effects[k] / total, totalValue * effects[k] / total);
        }
        return (credits, removal);
    }
}
