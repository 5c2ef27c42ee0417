using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Log;

/// <summary>
/// PostgreSQL's binary COPY format for rows of <c>events</c>, written by hand so that each row is
/// encoded on the request's thread (in parallel) and the single writer, which holds the log's head
/// lock while it copies, only prefixes the sequence number and streams bytes. Per tuple: a 16-bit
/// field count, then per field a 32-bit length (−1 for NULL) and the value in network order: bigint
/// 8 bytes, uuid 16 bytes (RFC 4122 order), text as UTF-8, timestamptz as microseconds since
/// 2000-01-01 UTC, boolean 1 byte.
/// </summary>
internal static class CopyTuple
{
    /// <summary>Columns per row (<see cref="EventStore.Columns"/>).</summary>
    public const short Fields = 42;

    /// <summary>"PGCOPY\n\377\r\n\0", flags 0, header extension length 0.</summary>
    public static ReadOnlySpan<byte> Header => [(byte)'P', (byte)'G', (byte)'C', (byte)'O', (byte)'P', (byte)'Y', (byte)'\n', 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    /// <summary>A field count of −1 ends the data.</summary>
    public static ReadOnlySpan<byte> Trailer => [0xFF, 0xFF];

    private static readonly long PostgresEpochTicks = new DateTime(2000, 1, 1, 0, 0, 0, DateTimeKind.Utc).Ticks;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    /// <summary>Writes the start of a tuple: its field count and the sequence number (14 bytes).</summary>
    public static void WriteStart(Span<byte> into, long seq)
    {
        BinaryPrimitives.WriteInt16BigEndian(into, Fields);
        BinaryPrimitives.WriteInt32BigEndian(into[2..], 8);
        BinaryPrimitives.WriteInt64BigEndian(into[6..], seq);
    }

    public const int StartLength = 14;

    /// <summary>The record's fields after <c>seq</c>, in column order.</summary>
    public static byte[] Build(LogRecord r)
    {
        var b = _buffer ??= new ArrayBufferWriter<byte>(2048);
        b.ResetWrittenCount();
        var e = r.Enrichment;
        Uuid(b, r.WorkspaceId);
        Uuid(b, r.SourceId);
        Text(b, r.MessageId);
        Text(b, r.Type);
        Text(b, r.Event);
        Text(b, r.UserId);
        Text(b, r.AnonymousId);
        Text(b, r.GroupId);
        Text(b, r.PreviousId);
        Time(b, r.Timestamp);
        Time(b, r.OriginalTimestamp);
        Time(b, r.SentAt);
        Time(b, r.ReceivedAt);
        Text(b, e.UtmSource);
        Text(b, e.UtmMedium);
        Text(b, e.UtmCampaign);
        Text(b, e.UtmTerm);
        Text(b, e.UtmContent);
        Text(b, e.Fbclid);
        Text(b, e.Ttclid);
        Text(b, e.LiFatId);
        Text(b, e.Gclid);
        Text(b, e.Msclkid);
        Text(b, e.ReferrerDomain);
        Text(b, e.ReferrerType);
        Text(b, e.ReferrerName);
        Text(b, e.PageHost);
        Text(b, e.PagePath);
        Text(b, e.Browser);
        Text(b, e.BrowserVersion);
        Text(b, e.Os);
        Text(b, e.OsVersion);
        Text(b, e.DeviceType);
        var flag = b.GetSpan(5);
        BinaryPrimitives.WriteInt32BigEndian(flag, 1);
        flag[4] = e.IsBot ? (byte)1 : (byte)0;
        b.Advance(5);
        Text(b, e.BotName);
        Text(b, e.Ip);
        Text(b, e.Country);
        Text(b, r.Consent);
        Text(b, r.Violations);
        Text(b, r.PlanVersion);
        // The stored message is UTF-8 JSON already, and JSON never holds a raw U+0000.
        var raw = b.GetSpan(4 + r.Raw.Length);
        BinaryPrimitives.WriteInt32BigEndian(raw, r.Raw.Length);
        r.Raw.CopyTo(raw[4..]);
        b.Advance(4 + r.Raw.Length);
        return b.WrittenSpan.ToArray();
    }

    private static void Uuid(ArrayBufferWriter<byte> b, Guid value)
    {
        var span = b.GetSpan(20);
        BinaryPrimitives.WriteInt32BigEndian(span, 16);
        value.TryWriteBytes(span[4..], bigEndian: true, out _);
        b.Advance(20);
    }

    private static void Text(ArrayBufferWriter<byte> b, string? value)
    {
        if (value is null)
        {
            Null(b);
            return;
        }
        value = PostgresText.Clean(value)!;
        var span = b.GetSpan(4 + Encoding.UTF8.GetMaxByteCount(value.Length));
        var n = Encoding.UTF8.GetBytes(value, span[4..]);
        BinaryPrimitives.WriteInt32BigEndian(span, n);
        b.Advance(4 + n);
    }

    private static void Time(ArrayBufferWriter<byte> b, DateTime? value)
    {
        if (value is not { } v)
        {
            Null(b);
            return;
        }
        var span = b.GetSpan(12);
        BinaryPrimitives.WriteInt32BigEndian(span, 8);
        BinaryPrimitives.WriteInt64BigEndian(span[4..], (v.Ticks - PostgresEpochTicks) / TimeSpan.TicksPerMicrosecond);
        b.Advance(12);
    }

    private static void Null(ArrayBufferWriter<byte> b)
    {
        BinaryPrimitives.WriteInt32BigEndian(b.GetSpan(4), -1);
        b.Advance(4);
    }
}
