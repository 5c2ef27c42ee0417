using System.Collections.Frozen;

namespace Pulse.Collect.Ingest;

/// <summary>Identifiers that SDKs and careless code send but that name nobody.</summary>
public static class Ids
{
    public const int MaxLength = 512;

    private static readonly FrozenSet<string> Junk = new[]
    {
        "null", "undefined", "nil", "none", "nan", "0", "-1", "1", "[object object]", "unknown", "anonymous",
        "guest", "n/a", "na", "undefined_user", "00000000-0000-0000-0000-000000000000", "true", "false", "{}", "[]",
    }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Whether <paramref name="id"/> is a placeholder such as <c>null</c>, <c>0</c> or <c>undefined</c>.</summary>
    public static bool IsJunk(string? id) => string.IsNullOrWhiteSpace(id) || Junk.Contains(id.Trim());
}
