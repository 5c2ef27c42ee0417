using System.IO.Hashing;
using System.Text;

namespace Pulse.Collect.Log;

/// <summary>
/// Remembers which (source, message id) pairs were stored in the last <c>window</c> days: Bloom
/// filters per day, the oldest day dropped as days pass. A day starts with one slice sized for
/// <c>expectedPerDay</c> ids; when a day receives more, it grows by further slices of the same size
/// (a scalable Bloom filter), so the false-positive rate stays near 0.01% instead of climbing
/// towards certainty, up to <see cref="MaxSlicesPerDay"/> slices. It answers "certainly new" or
/// "maybe seen"; a "maybe" is settled by an exact look in the log. Used by the single log writer
/// only, so it takes no locks.
/// </summary>
internal sealed class DedupFilter
{
    private const int Hashes = 13; // optimal for 0.01% false positives
    /// <summary>Slices one day may grow to; beyond that the last slice keeps filling and more "maybe" answers are checked in the log.</summary>
    public const int MaxSlicesPerDay = 5;
    private readonly int _windowDays;
    private readonly long _bitsPerSlice;
    private readonly long _idsPerSlice;
    private readonly Day?[] _days;

    private sealed class Day(long number)
    {
        public long Number { get; } = number;
        public List<ulong[]> Slices { get; } = [];
        public long InLastSlice { get; set; }
    }

    public DedupFilter(int windowDays, int expectedPerDay)
    {
        _windowDays = windowDays;
        _idsPerSlice = Math.Max(1, expectedPerDay);
        // m = -n ln p / (ln 2)^2 for p = 0.01%: about 19.2 bits per id, rounded up to whole words
        // (4.8 MB a slice for 2 M ids). Every "maybe" costs the writer a look in the store, which at
        // 1% was a third of its time under load (trace in docs/architecture.md).
        _bitsPerSlice = Math.Max(1024, (long)Math.Ceiling(expectedPerDay * 19.2 / 64) * 64);
        _days = new Day?[windowDays + 1];
    }

    /// <summary>Bytes the filter holds once every day of the window has its first slice (each busier day adds slices of this size).</summary>
    public long CapacityBytes => _bitsPerSlice / 8 * (_windowDays + 1);

    public static (ulong H1, ulong H2) Hash(Guid source, string messageId)
    {
        Span<byte> stackBuffer = stackalloc byte[256];
        var max = 16 + Encoding.UTF8.GetMaxByteCount(messageId.Length);
        var buffer = max <= stackBuffer.Length ? stackBuffer : new byte[max];
        source.TryWriteBytes(buffer);
        var n = 16 + Encoding.UTF8.GetBytes(messageId, buffer[16..]);
        var h = XxHash128.HashToUInt128(buffer[..n]);
        return ((ulong)(h >> 64), (ulong)h | 1);
    }

    public bool MaybeContains((ulong H1, ulong H2) h, long today)
    {
        foreach (var day in _days)
        {
            if (day is null || today - day.Number > _windowDays)
                continue;
            foreach (var bits in day.Slices)
            {
                if (Test(bits, h))
                    return true;
            }
        }
        return false;
    }

    public void Add((ulong H1, ulong H2) h, long day)
    {
        var d = DayFor(day);
        if (d is null)
            return;
        if (d.InLastSlice >= _idsPerSlice && d.Slices.Count < MaxSlicesPerDay)
        {
            d.Slices.Add(new ulong[_bitsPerSlice / 64]);
            d.InLastSlice = 0;
        }
        var bits = d.Slices[^1];
        for (var k = 0; k < Hashes; k++)
        {
            var bit = (long)((h.H1 + (ulong)k * h.H2) % (ulong)_bitsPerSlice);
            bits[bit >> 6] |= 1UL << (int)(bit & 63);
        }
        d.InLastSlice++;
    }

    /// <summary>Slices in use now (for tests and the log's start-up message).</summary>
    public int Slices => _days.Sum(d => d?.Slices.Count ?? 0);

    private bool Test(ulong[] bits, (ulong H1, ulong H2) h)
    {
        for (var k = 0; k < Hashes; k++)
        {
            var bit = (long)((h.H1 + (ulong)k * h.H2) % (ulong)_bitsPerSlice);
            if ((bits[bit >> 6] & (1UL << (int)(bit & 63))) == 0)
                return false;
        }
        return true;
    }

    private Day? DayFor(long day)
    {
        var i = (int)(((day % _days.Length) + _days.Length) % _days.Length);
        var d = _days[i];
        if (d is not null && d.Number == day)
            return d;
        if (d is not null && d.Number > day)
            return null; // older than the window: nothing to remember
        // The slot held a day that has left the window: reuse its first slice's memory.
        var first = d?.Slices[0] is { } old ? Clear(old) : new ulong[_bitsPerSlice / 64];
        d = new Day(day);
        d.Slices.Add(first);
        _days[i] = d;
        return d;
    }

    private static ulong[] Clear(ulong[] bits)
    {
        Array.Clear(bits);
        return bits;
    }

    public static long DayOf(DateTime utc) => utc.Ticks / TimeSpan.TicksPerDay;
}
