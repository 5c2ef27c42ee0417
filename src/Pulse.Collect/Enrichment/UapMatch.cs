namespace Pulse.Collect.Enrichment;

/// <summary>The fields of uap-core's specification for one user agent, as its test corpus states them.</summary>
internal readonly record struct UapMatch(
    string Family, string? Major, string? Minor, string? Patch,
    string OsFamily, string? OsMajor, string? OsMinor, string? OsPatch, string? OsPatchMinor,
    string DeviceFamily, string? Brand, string? Model);
