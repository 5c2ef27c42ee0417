namespace Pulse.Platform.Paging;

/// <summary>One page of a list; <paramref name="NextCursor"/> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Items, string? NextCursor);
