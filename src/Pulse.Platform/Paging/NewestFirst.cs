using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;

namespace Pulse.Platform.Paging;

/// <summary>
/// Keyset paging, newest first, over rows keyed by a time-ordered (version 7) Guid: the page after
/// the cursor's key and the cursor of the next page, which is null on the last page.
/// </summary>
public static class NewestFirst
{
    public static async Task<Page<TDto>> PageAsync<T, TDto>(this IQueryable<T> query, Expression<Func<T, Guid>> key, string cursorKind,
        PageRequest page, Func<T, TDto> toDto, CancellationToken ct)
    {
        if (page.Cursor is { } cursor)
        {
            var before = new Bound(Cursor.DecodeGuid(cursorKind, cursor));
            // key < before.Value, with the bound as a query parameter (as a captured variable would be).
            var below = Expression.LessThan(key.Body, Expression.Property(Expression.Constant(before), nameof(Bound.Value)));
            query = query.Where(Expression.Lambda<Func<T, bool>>(below, key.Parameters));
        }
        var rows = await query.OrderByDescending(key).Take(page.Limit + 1).ToListAsync(ct);
        var next = rows.Count > page.Limit ? Cursor.Encode(cursorKind, key.Compile()(rows[page.Limit - 1])) : null;
        return new Page<TDto>(rows.Take(page.Limit).Select(toDto).ToList(), next);
    }

    private sealed record Bound(Guid Value);
}
