using System.Buffers;
using System.Buffers.Text;
using System.Text;

namespace Pulse.Collect.Log;

internal sealed partial class LogRecord
{
    /// <summary>Separates the fields of a packed record; JSON never holds it unescaped, and other fields are cleaned of it.</summary>
    public const byte Separator = 0x1f;

    /// <summary>Fields before the message JSON in a packed record.</summary>
    public const int PackedFields = 40;

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? _buffer;

    /// <summary>
    /// The record as the one UTF-8 blob the hot path stores (segment files): the fields in
    /// <see cref="EventStore.Columns"/> order after <c>seq</c>, separated by U+001F, empty for null,
    /// instants as Unix microseconds, the message JSON last.
    /// </summary>
    public byte[] Pack()
    {
        var b = _buffer ??= new ArrayBufferWriter<byte>(2048);
        b.ResetWrittenCount();
        var e = Enrichment;
        Guid(b, WorkspaceId);
        Guid(b, SourceId);
        Field(b, MessageId);
        Field(b, Type);
        Field(b, Event);
        Field(b, UserId);
        Field(b, AnonymousId);
        Field(b, GroupId);
        Field(b, PreviousId);
        Micros(b, Timestamp);
        Micros(b, OriginalTimestamp);
        Micros(b, SentAt);
        Micros(b, ReceivedAt);
        Field(b, e.UtmSource);
        Field(b, e.UtmMedium);
        Field(b, e.UtmCampaign);
        Field(b, e.UtmTerm);
        Field(b, e.UtmContent);
        Field(b, e.Fbclid);
        Field(b, e.Ttclid);
        Field(b, e.LiFatId);
        Field(b, e.Gclid);
        Field(b, e.Msclkid);
        Field(b, e.ReferrerDomain);
        Field(b, e.ReferrerType);
        Field(b, e.ReferrerName);
        Field(b, e.PageHost);
        Field(b, e.PagePath);
        Field(b, e.Browser);
        Field(b, e.BrowserVersion);
        Field(b, e.Os);
        Field(b, e.OsVersion);
        Field(b, e.DeviceType);
        Field(b, e.IsBot ? "1" : null);
        Field(b, e.BotName);
        Field(b, e.Ip);
        Field(b, e.Country);
        Field(b, Consent);
        Field(b, Violations);
        Field(b, PlanVersion);
        b.Write(Raw);
        return b.WrittenSpan.ToArray();
    }

    /// <summary>
    /// A packed record as destinations read it from the store (the same fields as the store's
    /// delivery read: ids, names, times, click ids, address, robot flag, consent, raw JSON).
    /// </summary>
    public static LoggedEvent UnpackForDelivery(long seq, ReadOnlySpan<byte> packed)
    {
        Span<Range> f = stackalloc Range[PackedFields];
        var offset = 0;
        for (var i = 0; i < PackedFields; i++)
        {
            var end = packed[offset..].IndexOf(Separator);
            if (end < 0)
                throw new System.IO.InvalidDataException($"A packed log record (sequence {seq}) has {i} fields of {PackedFields}.");
            f[i] = new Range(offset, offset + end);
            offset += end + 1;
        }
        return new LoggedEvent(seq, IdAt(seq, packed, f[0]), IdAt(seq, packed, f[1]), TextAt(packed, f[2])!, TextAt(packed, f[3])!, TextAt(packed, f[4]),
            TextAt(packed, f[5]), TextAt(packed, f[6]), null, null, TimeAt(seq, packed, f[9]), null, null, TimeAt(seq, packed, f[12]),
            new EventEnrichment { Fbclid = TextAt(packed, f[18]), Ttclid = TextAt(packed, f[19]), LiFatId = TextAt(packed, f[20]), IsBot = packed[f[33]].SequenceEqual("1"u8), Ip = TextAt(packed, f[35]) },
            TextAt(packed, f[37]), null, null, System.Text.Encoding.UTF8.GetString(packed[offset..]));
    }

    private static string? TextAt(ReadOnlySpan<byte> packed, Range r) => packed[r].IsEmpty ? null : System.Text.Encoding.UTF8.GetString(packed[r]);

    private static DateTimeOffset TimeAt(long seq, ReadOnlySpan<byte> packed, Range r) => System.Buffers.Text.Utf8Parser.TryParse(packed[r], out long micros, out _)
        ? new DateTimeOffset(DateTime.UnixEpoch.Ticks + micros * 10, TimeSpan.Zero)
        : throw new System.IO.InvalidDataException($"A packed log record (sequence {seq}) has a malformed time.");

    private static System.Guid IdAt(long seq, ReadOnlySpan<byte> packed, Range r) => System.Buffers.Text.Utf8Parser.TryParse(packed[r], out System.Guid id, out _, 'D')
        ? id
        : throw new System.IO.InvalidDataException($"A packed log record (sequence {seq}) has a malformed id.");

    /// <summary>The user, anonymous and previous id of a packed record (those present).</summary>
    public static List<string> PackedIds(ReadOnlySpan<byte> packed)
    {
        var ids = new List<string>(3);
        var field = 0;
        var start = 0;
        for (var i = 0; i < packed.Length && field <= 8; i++)
        {
            if (packed[i] != Separator)
                continue;
            if (field is 5 or 6 or 8 && i > start)
                ids.Add(System.Text.Encoding.UTF8.GetString(packed[start..i]));
            field++;
            start = i + 1;
        }
        return ids;
    }

    private static void Field(ArrayBufferWriter<byte> b, string? value)
    {
        if (value is not null)
        {
            var span = b.GetSpan(Encoding.UTF8.GetMaxByteCount(value.Length));
            var n = Encoding.UTF8.GetBytes(value, span);
            // Control characters never reach ids (ingest refuses them); elsewhere they become
            // spaces. C0 and DEL are single bytes in UTF-8, C1 (U+0080–U+009F) is C2 80–C2 9F.
            var bytes = span[..n];
            if (bytes.IndexOfAnyInRange((byte)0x00, (byte)0x1f) >= 0 || bytes.Contains((byte)0x7f) || HasC1(bytes))
            {
                var clean = string.Create(value.Length, value, static (chars, v) =>
                {
                    for (var i = 0; i < v.Length; i++)
                        chars[i] = char.IsControl(v[i]) ? ' ' : v[i];
                });
                n = Encoding.UTF8.GetBytes(clean, span);
            }
            b.Advance(n);
        }
        End(b);
    }

    private static bool HasC1(ReadOnlySpan<byte> utf8)
    {
        for (var i = utf8.IndexOf((byte)0xC2); i >= 0 && i + 1 < utf8.Length; )
        {
            if (utf8[i + 1] is >= 0x80 and <= 0x9F)
                return true;
            var next = utf8[(i + 1)..].IndexOf((byte)0xC2);
            i = next < 0 ? -1 : i + 1 + next;
        }
        return false;
    }

    private static void Guid(ArrayBufferWriter<byte> b, Guid value)
    {
        value.TryFormat(b.GetSpan(36), out var n);
        b.Advance(n);
        End(b);
    }

    private static void Micros(ArrayBufferWriter<byte> b, DateTime? t)
    {
        if (t is { } v)
        {
            Utf8Formatter.TryFormat((v.Ticks - DateTime.UnixEpoch.Ticks) / 10, b.GetSpan(20), out var n);
            b.Advance(n);
        }
        End(b);
    }

    private static void End(ArrayBufferWriter<byte> b)
    {
        b.GetSpan(1)[0] = Separator;
        b.Advance(1);
    }
}
