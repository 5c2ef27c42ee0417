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
    /// Finds the <see cref="PackedFields"/> fields of a packed record (as ranges of <paramref name="packed"/>)
    /// and returns where its raw JSON starts; throws when the record is cut short.
    /// </summary>
    public static int Split(long seq, ReadOnlySpan<byte> packed, Span<Range> fields)
    {
        var offset = 0;
        for (var i = 0; i < PackedFields; i++)
        {
            var end = packed[offset..].IndexOf(Separator);
            if (end < 0)
                throw new System.IO.InvalidDataException($"A packed log record (sequence {seq}) has {i} fields of {PackedFields}.");
            fields[i] = new Range(offset, offset + end);
            offset += end + 1;
        }
        return offset;
    }

    /// <summary>A packed instant (Unix microseconds) as a UTC time.</summary>
    public static DateTime TimeOf(long seq, ReadOnlySpan<byte> value) => Utf8Parser.TryParse(value, out long micros, out _)
        ? new DateTime(DateTime.UnixEpoch.Ticks + micros * 10, DateTimeKind.Utc)
        : throw new System.IO.InvalidDataException($"A packed log record (sequence {seq}) has a malformed time.");

    /// <summary>A packed id.</summary>
    public static System.Guid IdOf(long seq, ReadOnlySpan<byte> value) => Utf8Parser.TryParse(value, out System.Guid id, out _, 'D')
        ? id
        : throw new System.IO.InvalidDataException($"A packed log record (sequence {seq}) has a malformed id.");

    /// <summary>
    /// A packed record as destinations read it from the store (the same fields as the store's
    /// delivery read: ids, names, times, click ids, address, robot flag, consent, raw JSON).
    /// </summary>
    public static LoggedEvent UnpackForDelivery(long seq, ReadOnlySpan<byte> packed)
    {
        Span<Range> f = stackalloc Range[PackedFields];
        var raw = Split(seq, packed, f);
        return new LoggedEvent(seq, IdOf(seq, packed[f[0]]), IdOf(seq, packed[f[1]]), TextOf(packed[f[2]])!, TextOf(packed[f[3]])!, TextOf(packed[f[4]]),
            TextOf(packed[f[5]]), TextOf(packed[f[6]]), null, null, TimeOf(seq, packed[f[9]]), null, null, TimeOf(seq, packed[f[12]]),
            new EventEnrichment { Fbclid = TextOf(packed[f[18]]), Ttclid = TextOf(packed[f[19]]), LiFatId = TextOf(packed[f[20]]), IsBot = packed[f[33]].SequenceEqual("1"u8), Ip = TextOf(packed[f[35]]) },
            TextOf(packed[f[37]]), null, null, Encoding.UTF8.GetString(packed[raw..]));
    }

    /// <summary>A packed record with every field, as <see cref="EventLog"/> reads it from the store.</summary>
    public static LoggedEvent Unpack(long seq, ReadOnlySpan<byte> packed)
    {
        Span<Range> f = stackalloc Range[PackedFields];
        var raw = Split(seq, packed, f);
        var enrichment = new EventEnrichment
        {
            UtmSource = TextOf(packed[f[13]]),
            UtmMedium = TextOf(packed[f[14]]),
            UtmCampaign = TextOf(packed[f[15]]),
            UtmTerm = TextOf(packed[f[16]]),
            UtmContent = TextOf(packed[f[17]]),
            Fbclid = TextOf(packed[f[18]]),
            Ttclid = TextOf(packed[f[19]]),
            LiFatId = TextOf(packed[f[20]]),
            Gclid = TextOf(packed[f[21]]),
            Msclkid = TextOf(packed[f[22]]),
            ReferrerDomain = TextOf(packed[f[23]]),
            ReferrerType = TextOf(packed[f[24]]),
            ReferrerName = TextOf(packed[f[25]]),
            PageHost = TextOf(packed[f[26]]),
            PagePath = TextOf(packed[f[27]]),
            Browser = TextOf(packed[f[28]]),
            BrowserVersion = TextOf(packed[f[29]]),
            Os = TextOf(packed[f[30]]),
            OsVersion = TextOf(packed[f[31]]),
            DeviceType = TextOf(packed[f[32]]),
            IsBot = packed[f[33]].SequenceEqual("1"u8),
            BotName = TextOf(packed[f[34]]),
            Ip = TextOf(packed[f[35]]),
            Country = TextOf(packed[f[36]]),
        };
        return new LoggedEvent(seq, IdOf(seq, packed[f[0]]), IdOf(seq, packed[f[1]]), TextOf(packed[f[2]])!, TextOf(packed[f[3]])!, TextOf(packed[f[4]]),
            TextOf(packed[f[5]]), TextOf(packed[f[6]]), TextOf(packed[f[7]]), TextOf(packed[f[8]]), TimeOf(seq, packed[f[9]]), OptionalTimeOf(seq, packed[f[10]]), OptionalTimeOf(seq, packed[f[11]]),
            TimeOf(seq, packed[f[12]]), enrichment, TextOf(packed[f[37]]), TextOf(packed[f[38]]), TextOf(packed[f[39]]), Encoding.UTF8.GetString(packed[raw..]));
    }

    private static DateTimeOffset? OptionalTimeOf(long seq, ReadOnlySpan<byte> value) => value.IsEmpty ? null : TimeOf(seq, value);

    private static string? TextOf(ReadOnlySpan<byte> value) => value.IsEmpty ? null : Encoding.UTF8.GetString(value);

    /// <summary>The user, anonymous and previous id of a packed record (those present).</summary>
    public static List<string> PackedIds(long seq, ReadOnlySpan<byte> packed)
    {
        Span<Range> f = stackalloc Range[PackedFields];
        Split(seq, packed, f);
        var ids = new List<string>(3);
        foreach (var field in (ReadOnlySpan<int>)[5, 6, 8])
        {
            if (TextOf(packed[f[field]]) is { } id)
                ids.Add(id);
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
