using System.IO.Hashing;
using System.Text;

namespace Pulse.Collect.Log;

/// <summary>
/// Remembers which (source, message id) pairs were stored in the last <c>window</c> days, in fixed
/// memory: one Bloom filter per day, the oldest dropped as days pass. It answers "certainly new"
/// or "maybe seen"; a "maybe" is settled by an exact look in the log. Used by the single log writer
/// only, so it takes no locks.
/// </summary>
internal sealed class DedupFilter
{
    private const int Hashes = 13; // optimal for 0.01% false positives
    private readonly int _windowDays;
    private readonly long _bitsPerSlice;
    private readonly ulong[][] _slices;
    private readonly long[] _sliceDays;

    public DedupFilter(int windowDays, int expectedPerDay)
    {
        _windowDays = windowDays;
        // m = -n ln p / (ln 2)^2 for p = 0.01%: about 19.2 bits per id, rounded up to whole words
        // (4.8 MB a day for 2 M ids). Every "maybe" costs the writer a look in the store, which at
        // 1% was a third of its time under load (trace in docs/architecture.md).
        _bitsPerSlice = Math.Max(1024, (long)Math.Ceiling(expectedPerDay * 19.2 / 64) * 64);
        _slices = new ulong[windowDays + 1][];
        _sliceDays = new long[windowDays + 1];
        Array.Fill(_sliceDays, long.MinValue);
    }

    /// <summary>Bytes the filter holds once every day's slice exists.</summary>
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
        for (var i = 0; i < _slices.Length; i++)
        {
            var bits = _slices[i];
            if (bits is null || today - _sliceDays[i] > _windowDays)
                continue;
            if (Test(bits, h))
                return true;
        }
        return false;
    }

    public void Add((ulong H1, ulong H2) h, long day)
    {
        var bits = SliceFor(day);
        if (bits is null)
            return;
        for (var k = 0; k < Hashes; k++)
        {
            var bit = (long)((h.H1 + (ulong)k * h.H2) % (ulong)_bitsPerSlice);
            bits[bit >> 6] |= 1UL << (int)(bit & 63);
        }
    }

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

    private ulong[]? SliceFor(long day)
    {
        var i = (int)(((day % _slices.Length) + _slices.Length) % _slices.Length);
        if (_sliceDays[i] == day)
            return _slices[i];
        if (_sliceDays[i] > day)
            return null; // older than the window: nothing to remember
        // The slot held a day that has left the window: reuse its memory.
        if (_slices[i] is { } old)
            Array.Clear(old);
        else
            _slices[i] = new ulong[_bitsPerSlice / 64];
        _sliceDays[i] = day;
        return _slices[i];
    }

    public static long DayOf(DateTime utc) => utc.Ticks / TimeSpan.TicksPerDay;
}
