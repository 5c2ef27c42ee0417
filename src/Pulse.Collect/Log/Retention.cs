namespace Pulse.Collect.Log;

/// <summary>Where <see cref="CollectOptions.RetentionDays"/> cuts, the same in both modes: whole UTC days, today and the days before it up to the retention kept.</summary>
internal static class Retention
{
    /// <summary>Midnight UTC of the oldest day kept; null when everything is kept (0).</summary>
    public static DateTime? Cutoff(int retentionDays, DateTimeOffset now) =>
        retentionDays <= 0 ? null : DateOnly.FromDateTime(now.UtcDateTime).AddDays(-retentionDays + 1).ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
}
