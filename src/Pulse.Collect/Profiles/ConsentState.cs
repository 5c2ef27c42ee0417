using Pulse.Collect.Sources;

namespace Pulse.Collect.Profiles;

/// <summary>
/// What a person agreed to, as later modules (destinations) check it at send time: an opt-out
/// refuses everything; otherwise a category is allowed when the person granted it, and the
/// workspace's default decides categories the person never answered.
/// </summary>
public sealed record ConsentState(bool OptedOut, IReadOnlyDictionary<string, bool> Preferences, ConsentDefault Default)
{
    public bool Allows(string category) =>
        !OptedOut && (Preferences.TryGetValue(category, out var granted) ? granted : Default == ConsentDefault.Allow);

    /// <summary>All of <paramref name="categories"/> (<paramref name="requireAll"/>) or any of them; no categories means only the opt-out counts.</summary>
    public bool Allows(IReadOnlyCollection<string> categories, bool requireAll)
    {
        if (OptedOut)
            return false;
        if (categories.Count == 0)
            return true;
        return requireAll ? categories.All(Allows) : categories.Any(Allows);
    }
}
