using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Pulse.Platform.Storage;

/// <summary>
/// PostgreSQL text cannot hold U+0000, which SQLite, DuckDB and JSON (as <c>\u0000</c>) accept. In
/// cluster mode it is stored, and compared in queries, as U+FFFD (the replacement character), so a
/// value sent with a NUL is kept (slightly changed) instead of failing the whole request.
/// </summary>
public static class PostgresText
{
    public const char Replacement = '\uFFFD';

    public static string? Clean(string? value) =>
        value is null || !value.Contains('\0', StringComparison.Ordinal) ? value : value.Replace('\0', Replacement);
}

/// <summary>EF Core's side of <see cref="PostgresText"/>: every string property of the cluster-mode contexts goes through it.</summary>
public sealed class NulFreeStringConverter() : ValueConverter<string, string>(v => PostgresText.Clean(v)!, v => v);
