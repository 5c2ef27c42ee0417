namespace Pulse.Platform.Storage;

/// <summary>One line of the check after <c>pulse export-to-cluster</c>: a count on both sides, which must be equal.</summary>
/// <param name="What">A table, or a property of a store (<c>events: last sequence number</c>).</param>
/// <param name="IsCount">A number of rows (shown with digit groups), not an identifier such as a sequence number.</param>
public sealed record ExportCheck(string What, long Embedded, long Cluster, bool IsCount = true)
{
    /// <summary>Both sides agree.</summary>
    public bool Matches => Embedded == Cluster;
}
