using System.Globalization;
using System.Text;

namespace Pulse.Collect.Log;

internal sealed partial class LogRecord
{
    /// <summary>Separates the fields of a packed record; JSON never holds it unescaped, and other fields are cleaned of it.</summary>
    public const char Separator = '\u001f';

    [ThreadStatic]
    private static StringBuilder? _builder;

    /// <summary>
    /// The record as the one UTF-8 blob the hot path stores (<c>inbox.packed</c>): the fields in
    /// <see cref="EventStore.Columns"/> order after <c>seq</c>, separated by U+001F, empty for null,
    /// instants as Unix microseconds, the message JSON last.
    /// </summary>
    public byte[] Pack()
    {
        var b = _builder ??= new StringBuilder(2048);
        b.Clear();
        var e = Enrichment;
        b.Append(WorkspaceId.ToString()).Append(Separator)
            .Append(SourceId.ToString()).Append(Separator);
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
        b.Append(Raw);
        return Encoding.UTF8.GetBytes(b.ToString());
    }

    private static void Field(StringBuilder b, string? value)
    {
        if (value is not null)
        {
            // Control characters never reach ids (ingest refuses them); elsewhere they become spaces.
            foreach (var c in value)
                b.Append(char.IsControl(c) ? ' ' : c);
        }
        b.Append(Separator);
    }

    private static void Micros(StringBuilder b, DateTime? t)
    {
        if (t is { } v)
            b.Append(((v.Ticks - DateTime.UnixEpoch.Ticks) / 10).ToString(CultureInfo.InvariantCulture));
        b.Append(Separator);
    }
}
