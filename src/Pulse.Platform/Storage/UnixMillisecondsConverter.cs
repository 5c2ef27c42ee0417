using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Pulse.Platform.Storage;

/// <summary>
/// Stores instants as UTC Unix milliseconds, so that every store can sort and compare them
/// (SQLite cannot order DateTimeOffset text) and a hash over them is the same after a round trip.
/// </summary>
public sealed class UnixMillisecondsConverter() : ValueConverter<DateTimeOffset, long>(
    v => v.ToUnixTimeMilliseconds(),
    v => DateTimeOffset.FromUnixTimeMilliseconds(v));
