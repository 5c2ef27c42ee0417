using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pulse.Platform.Audit;

/// <summary>
/// The before/after summaries of audit entries, as JSON people can read: names with Polish letters
/// and times with '+' stay as typed. Safe because the panel HTML-encodes and the CSV export
/// neutralises formulas; the text is never placed in a script.
/// </summary>
public static class AuditSummary
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    public static string Of<T>(T value) => JsonSerializer.Serialize(value, Options);
}
