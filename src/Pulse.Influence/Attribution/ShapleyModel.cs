namespace Pulse.Influence.Attribution;

/// <summary>
/// Shapley value attribution. The game: a coalition of touches is worth the conversions (and
/// value) of the journeys whose touches all belong to it. Each touch is credited its Shapley
/// value, its marginal worth averaged over every order in which the touches could join.
/// </summary>
/// <remarks>
/// That game is a sum of unanimity games, one per distinct set of touches a converting journey
/// holds, weighted by those journeys' conversions; the Shapley value of a unanimity game gives
/// its weight to the set's members in equal parts. So the exact value for any number of touches
/// is each converting journey's conversions and value split equally among its distinct touches
/// (Zhao, Mahboobi and Bagheri, "Shapley Value Methods for Attribution Modeling in Online
/// Advertising", 2018, the simplified form), with no sampling. The tests check it against the
/// textbook sum over coalitions on random games.
/// </remarks>
internal static class ShapleyModel
{
    public static Dictionary<string, Credit> Attribute(IReadOnlyList<Journey> journeys)
    {
        var credits = new Dictionary<string, Credit>(StringComparer.Ordinal);
        var members = new HashSet<string>(StringComparer.Ordinal);
        foreach (var j in journeys)
        {
            members.Clear();
            foreach (var touch in j.Path)
            {
                members.Add(touch);
                credits.TryAdd(touch, default);
            }
            if (j.Conversions <= 0 && j.Value <= 0)
                continue;
            var share = new Credit(j.Conversions / members.Count, j.Value / members.Count);
            foreach (var touch in members)
                credits[touch] += share;
        }
        return credits;
    }
}
