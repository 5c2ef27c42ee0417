namespace Pulse.Destinations.Delivery;

/// <summary>
/// Increasing log positions packed as varint deltas: a batch of 1,000 neighbouring events takes
/// about 1 KB in the delivery log instead of 8.
/// </summary>
internal static class SeqList
{
    public static byte[] Encode(IReadOnlyList<long> seqs)
    {
        var buffer = new byte[seqs.Count * 10];
        var n = 0;
        long previous = 0;
        foreach (var s in seqs)
        {
            var delta = (ulong)(s - previous);
            previous = s;
            while (delta >= 0x80)
            {
                buffer[n++] = (byte)(delta | 0x80);
                delta >>= 7;
            }
            buffer[n++] = (byte)delta;
        }
        return buffer[..n];
    }

    public static IEnumerable<long> Decode(byte[] packed)
    {
        long value = 0;
        var i = 0;
        while (i < packed.Length)
        {
            ulong delta = 0;
            var shift = 0;
            byte b;
            do
            {
                b = packed[i++];
                delta |= (ulong)(b & 0x7F) << shift;
                shift += 7;
            }
            while ((b & 0x80) != 0 && i < packed.Length);
            value += (long)delta;
            yield return value;
        }
    }
}
