using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsvHelper;
using Parquet;
using Parquet.Schema;
using Pulse.Collect.Log;

namespace Pulse.Collect.Events;

/// <summary>
/// Streams stored events as JSON lines, CSV or Parquet. JSON lines carry the message as stored
/// (messageId, type, event, ids, timestamps, properties or traits, context) with <c>seq</c>,
/// <c>sourceId</c> and an <c>enrichment</c> object added; CSV and Parquet carry the derived
/// columns and the message JSON in a <c>message</c> column.
/// </summary>
public sealed class EventExporter
{
    private const int ParquetRowGroup = 50_000;
    private static readonly JsonWriterOptions LineOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly EventStore _store;

    private readonly EventLog? _log;

    /// <param name="log">The server's log, so an export holds everything acknowledged before it began; none in the CLI.</param>
    internal EventExporter(EventStore store, EventLog? log)
    {
        _store = store;
        _log = log;
    }

    /// <summary>Events the filter covers (for progress).</summary>
    public long Count(EventFilter filter)
    {
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT count(*) FROM all_events WHERE {filter.Where(cmd)}");
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <param name="progress">Receives the number of events written so far, every few thousand.</param>
    public async Task<long> ExportAsync(EventFilter filter, ExportFormat format, Stream output, IProgress<long>? progress, CancellationToken ct)
    {
        if (_log is not null)
            await _log.CaughtUpAsync(TimeSpan.FromSeconds(30), ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT {EventStore.Columns} FROM all_events WHERE {filter.Where(cmd)} ORDER BY seq");
        using var reader = cmd.ExecuteReader();
        IEnumerable<LoggedEvent> Rows()
        {
            while (reader.Read())
                yield return EventLog.Map(reader);
        }
        return format switch
        {
            ExportFormat.Jsonl => await JsonLinesAsync(Rows(), output, progress, ct),
            ExportFormat.Csv => await CsvAsync(Rows(), output, progress, ct),
            _ => await ParquetAsync(Rows(), output, progress, ct),
        };
    }

    private static async Task<long> JsonLinesAsync(IEnumerable<LoggedEvent> rows, Stream output, IProgress<long>? progress, CancellationToken ct)
    {
        long n = 0;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(64 * 1024);
        foreach (var e in rows)
        {
            WriteLine(buffer, e);
            if (buffer.WrittenCount > 48 * 1024)
            {
                await output.WriteAsync(buffer.WrittenMemory, ct);
                buffer.ResetWrittenCount();
            }
            if (++n % 5000 == 0)
                progress?.Report(n);
        }
        await output.WriteAsync(buffer.WrittenMemory, ct);
        await output.FlushAsync(ct);
        progress?.Report(n);
        return n;
    }

    /// <summary>One event as a JSON object (no newline), as the JSON-lines export writes it.</summary>
    public static void WriteJson(Utf8JsonWriter w, LoggedEvent e)
    {
        using var message = JsonDocument.Parse(e.Raw);
        w.WriteStartObject();
        w.WriteNumber("seq"u8, e.Seq);
        w.WriteString("sourceId"u8, e.SourceId);
        foreach (var p in message.RootElement.EnumerateObject())
            p.WriteTo(w);
        w.WritePropertyName("enrichment"u8);
        JsonSerializer.Serialize(w, e.Enrichment, CollectJsonContext.Default.EventEnrichment);
        if (e.Consent is not null)
        {
            w.WritePropertyName("consentPreferences"u8);
            w.WriteRawValue(e.Consent, skipInputValidation: true);
        }
        if (e.Violations is not null)
        {
            w.WritePropertyName("violations"u8);
            w.WriteRawValue(e.Violations, skipInputValidation: true);
        }
        w.WriteEndObject();
    }

    private static void WriteLine(System.Buffers.IBufferWriter<byte> buffer, LoggedEvent e)
    {
        using (var w = new Utf8JsonWriter(buffer, LineOptions))
            WriteJson(w, e);
        var span = buffer.GetSpan(1);
        span[0] = (byte)'\n';
        buffer.Advance(1);
    }

    private static readonly string[] CsvHeader =
    [
        "seq", "source_id", "message_id", "type", "event", "user_id", "anonymous_id", "group_id", "previous_id",
        "timestamp", "original_timestamp", "sent_at", "received_at",
        "utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "ttclid", "li_fat_id", "gclid", "msclkid",
        "referrer_domain", "referrer_type", "referrer_name", "page_host", "page_path",
        "browser", "browser_version", "os", "os_version", "device_type", "is_bot", "bot_name", "ip", "country",
        "consent", "violations", "plan_version", "message",
    ];

    private static async Task<long> CsvAsync(IEnumerable<LoggedEvent> rows, Stream output, IProgress<long>? progress, CancellationToken ct)
    {
        // Text that a spreadsheet would run as a formula (=, +, -, @) is escaped.
        var options = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };
        await using var csv = CsvWriter.Create(output, options, true);
        await csv.WriteRecordAsync(CsvHeader, ct);
        long n = 0;
        foreach (var e in rows)
        {
            await csv.WriteRecordAsync(Values(e)!, ct);
            if (++n % 5000 == 0)
                progress?.Report(n);
        }
        await csv.FlushAsync(ct);
        progress?.Report(n);
        return n;
    }

    private static string?[] Values(LoggedEvent e)
    {
        var x = e.Enrichment;
        return
        [
            e.Seq.ToString(CultureInfo.InvariantCulture), e.SourceId.ToString(), e.MessageId, e.Type, e.Event, e.UserId, e.AnonymousId, e.GroupId, e.PreviousId,
            Iso(e.Timestamp), Iso(e.OriginalTimestamp), Iso(e.SentAt), Iso(e.ReceivedAt),
            x.UtmSource, x.UtmMedium, x.UtmCampaign, x.UtmTerm, x.UtmContent, x.Fbclid, x.Ttclid, x.LiFatId, x.Gclid, x.Msclkid,
            x.ReferrerDomain, x.ReferrerType, x.ReferrerName, x.PageHost, x.PagePath,
            x.Browser, x.BrowserVersion, x.Os, x.OsVersion, x.DeviceType, x.IsBot ? "true" : "false", x.BotName, x.Ip, x.Country,
            e.Consent, e.Violations, e.PlanVersion, e.Raw,
        ];
    }

    private static string? Iso(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    private static async Task<long> ParquetAsync(IEnumerable<LoggedEvent> rows, Stream output, IProgress<long>? progress, CancellationToken ct)
    {
        // Parquet writes its footer with offsets; a non-seekable target (an HTTP response) gets a temporary file first.
        if (!output.CanSeek)
        {
            var temp = Path.GetTempFileName();
            try
            {
                long n;
                await using (var file = new FileStream(temp, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.DeleteOnClose))
                {
                    n = await ParquetAsync(rows, file, progress, ct);
                    file.Position = 0;
                    await file.CopyToAsync(output, ct);
                }
                return n;
            }
            finally
            {
                File.Delete(temp);
            }
        }
        var fields = CsvHeader.Select(h => h switch
        {
            "seq" => (DataField)new DataField<long>(h),
            "is_bot" => new DataField<bool>(h),
            "timestamp" or "received_at" => new DataField<DateTime>(h),
            "original_timestamp" or "sent_at" => new DataField<DateTime?>(h),
            _ => new DataField<string>(h, nullable: true),
        }).ToArray();
        var schema = new ParquetSchema(fields);
        long count = 0;
        await using var writer = await ParquetWriter.CreateAsync(schema, output, cancellationToken: ct);
        var chunk = new List<LoggedEvent>(ParquetRowGroup);
        async Task FlushAsync()
        {
            if (chunk.Count == 0)
                return;
            using var group = writer.CreateRowGroup();
            var values = chunk.Select(Values).ToArray();
            for (var i = 0; i < fields.Length; i++)
            {
                var f = fields[i];
                switch (f.Name)
                {
                    case "seq":
                        await group.WriteAsync(f, (ReadOnlyMemory<long>)chunk.Select(e => e.Seq).ToArray(), cancellationToken: ct);
                        break;
                    case "is_bot":
                        await group.WriteAsync(f, (ReadOnlyMemory<bool>)chunk.Select(e => e.Enrichment.IsBot).ToArray(), cancellationToken: ct);
                        break;
                    case "timestamp":
                        await group.WriteAsync(f, (ReadOnlyMemory<DateTime>)chunk.Select(e => e.Timestamp.UtcDateTime).ToArray(), cancellationToken: ct);
                        break;
                    case "received_at":
                        await group.WriteAsync(f, (ReadOnlyMemory<DateTime>)chunk.Select(e => e.ReceivedAt.UtcDateTime).ToArray(), cancellationToken: ct);
                        break;
                    case "original_timestamp":
                        await group.WriteAsync(f, (ReadOnlyMemory<DateTime?>)chunk.Select(e => e.OriginalTimestamp?.UtcDateTime).ToArray(), cancellationToken: ct);
                        break;
                    case "sent_at":
                        await group.WriteAsync(f, (ReadOnlyMemory<DateTime?>)chunk.Select(e => e.SentAt?.UtcDateTime).ToArray(), cancellationToken: ct);
                        break;
                    default:
                        var column = i;
                        await group.WriteAsync(f, values.Select(v => v[column]).ToArray()!);
                        break;
                }
            }
            count += chunk.Count;
            chunk.Clear();
            progress?.Report(count);
        }
        foreach (var e in rows)
        {
            chunk.Add(e);
            if (chunk.Count == ParquetRowGroup)
                await FlushAsync();
        }
        await FlushAsync();
        return count;
    }
}
