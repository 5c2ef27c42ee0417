using System.Globalization;

namespace Pulse.Collect.Plans;

/// <summary>
/// A tracking-plan version as Snowplow's SchemaVer writes it: MODEL-REVISION-ADDITION. MODEL goes up
/// for a change that breaks every earlier event, REVISION for one that may break some, ADDITION for
/// one that every earlier event still passes.
/// </summary>
internal readonly record struct SchemaVer(int Model, int Revision, int Addition) : IComparable<SchemaVer>
{
    public static readonly SchemaVer First = new(1, 0, 0);

    public static bool TryParse(string? text, out SchemaVer version)
    {
        version = default;
        if (string.IsNullOrEmpty(text) || text.Length > 32)
            return false;
        var parts = text.Split('-');
        if (parts.Length != 3
            || !Part(parts[0], out var m) || !Part(parts[1], out var r) || !Part(parts[2], out var a) || m < 1)
            return false;
        version = new SchemaVer(m, r, a);
        return true;
    }

    // Digits only, no sign, no leading zero (as SchemaVer writes them).
    private static bool Part(string s, out int value)
    {
        value = 0;
        if (s.Length is 0 or > 6 || (s.Length > 1 && s[0] == '0'))
            return false;
        foreach (var c in s)
        {
            if (c is < '0' or > '9')
                return false;
        }
        return int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
    }

    /// <summary>The next version after this one for a change of <paramref name="kind"/>.</summary>
    public SchemaVer Bump(VersionBump kind) => kind switch
    {
        VersionBump.Model => new SchemaVer(Model + 1, 0, 0),
        VersionBump.Revision => new SchemaVer(Model, Revision + 1, 0),
        _ => new SchemaVer(Model, Revision, Addition + 1),
    };

    public int CompareTo(SchemaVer other) =>
        Model != other.Model ? Model.CompareTo(other.Model)
        : Revision != other.Revision ? Revision.CompareTo(other.Revision)
        : Addition.CompareTo(other.Addition);

    public static bool operator <(SchemaVer a, SchemaVer b) => a.CompareTo(b) < 0;
    public static bool operator >(SchemaVer a, SchemaVer b) => a.CompareTo(b) > 0;
    public static bool operator <=(SchemaVer a, SchemaVer b) => a.CompareTo(b) <= 0;
    public static bool operator >=(SchemaVer a, SchemaVer b) => a.CompareTo(b) >= 0;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Model}-{Revision}-{Addition}");
}

/// <summary>Which part of a <see cref="SchemaVer"/> a new version raises.</summary>
internal enum VersionBump
{
    Addition,
    Revision,
    Model,
}
