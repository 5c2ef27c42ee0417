using Pulse.Platform.Access;

namespace Pulse.Platform.Paging;

/// <summary>A cursor and a page size as asked for by a client, checked.</summary>
public sealed record PageRequest(string? Cursor, int Limit)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static PageRequest Create(string? cursor, int? limit)
    {
        if (limit is < 1 or > MaxLimit)
            throw new ValidationException("limit", $"limit must be between 1 and {MaxLimit}.");
        return new PageRequest(string.IsNullOrEmpty(cursor) ? null : cursor, limit ?? DefaultLimit);
    }
}
