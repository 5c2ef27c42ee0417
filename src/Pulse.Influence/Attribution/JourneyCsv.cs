using System.Globalization;
using CsvHelper;
using Pulse.Platform.Access;

namespace Pulse.Influence.Attribution;

/// <summary>
/// Journeys as attribution tools export them (ChannelAttribution, GA's path reports): a CSV with a
/// header, one path per row, touches separated by <c>&gt;</c>:
/// <code>path,conversions,value,nulls
/// instagram > email,12,1450.50,30</code>
/// <c>path</c> is required and so is <c>conversions</c> or <c>nulls</c>; <c>value</c> is optional.
/// Rows are checked as the API checks journeys, each problem named by its row.
/// </summary>
public static class JourneyCsv
{
    private static readonly string[] Columns = ["path", "conversions", "value", "nulls"];

    /// <summary>The journeys of the CSV with the line each came from, or a <see cref="ValidationException"/> naming the rows (and header) at fault.</summary>
    public static (List<JourneyInput> Journeys, List<int> Rows) Read(TextReader text)
    {
        var rows = new List<int>();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var journeys = new List<JourneyInput>();
        var options = CsvReaderOptions.Default with { TrackLineNumbers = true, TrimWhitespace = true };
        using var csv = CsvReader.Create(text, options, true);
        var header = csv.Headers.Select(h => h.Trim().ToLowerInvariant()).ToList();
        if (header.Count == 0 || header.All(h => h.Length == 0))
            throw new ValidationException("csv", "The CSV is empty; its first line names the columns: path,conversions,value,nulls.");
        var unknown = header.Where(h => !Columns.Contains(h)).ToList();
        if (!header.Contains("path") || !(header.Contains("conversions") || header.Contains("nulls")) || unknown.Count > 0)
        {
            throw new ValidationException("csv.header", $"The header is '{string.Join(",", csv.Headers)}'; the columns are path (required), conversions and nulls (at least one) and value"
                + (unknown.Count > 0 ? $"; unknown: {string.Join(", ", unknown)}." : "."));
        }
        int Column(string name) => header.IndexOf(name);
        while (csv.Read())
        {
            var row = (int)csv.LineNumber;
            if (journeys.Count >= AnalyzeRequest.MaxJourneys)
                throw new ValidationException("csv", $"At most {AnalyzeRequest.MaxJourneys:N0} journeys per analysis; group equal paths, or analyze in parts.");
            string Field(int index) => index >= 0 && index < csv.FieldCount ? (csv.GetStringOrNull(index) ?? "").Trim() : "";
            var path = Field(Column("path")).Split('>', StringSplitOptions.TrimEntries).ToList();
            var ok = true;
            double? Number(string column)
            {
                if (Field(Column(column)) is not { Length: > 0 } raw)
                    return null;
                if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var n))
                    return n;
                if (errors.Count < 50)
                    errors[$"row {row}.{column}"] = [$"'{raw}' is not a number (use a dot for decimals)."];
                ok = false;
                return null;
            }
            var journey = new JourneyInput(path.All(p => p.Length == 0) ? [] : path, Number("conversions"), Number("value"), Number("nulls"));
            if (ok)
            {
                journeys.Add(journey);
                rows.Add(row);
            }
        }
        if (errors.Count > 0)
            throw new ValidationException(errors);
        return (journeys, rows);
    }

    /// <summary>
    /// Analyzes the CSV's journeys under <paramref name="models"/>; the problems the analysis finds
    /// are named by the CSV's row (<c>row 7.conversions</c>) instead of the journey's index.
    /// </summary>
    public static (AnalyzeResult Result, int Journeys) Analyze(TextReader text, IReadOnlyList<string> models, double? halfLifeDays = null, double? halfLifeSteps = null)
    {
        var (journeys, rows) = Read(text);
        try
        {
            return (AnalyzeResult.Of(new AnalyzeRequest(models, journeys, halfLifeDays, halfLifeSteps)), journeys.Count);
        }
        catch (ValidationException e)
        {
            throw new ValidationException(e.Errors.ToDictionary(x => InRows(x.Key, rows), x => x.Value, StringComparer.Ordinal));
        }
    }

    private static string InRows(string field, List<int> rows)
    {
        // "journeys[3].path[0]" -> "row 5.path[0]"
        if (!field.StartsWith("journeys[", StringComparison.Ordinal))
            return field;
        var close = field.IndexOf(']', StringComparison.Ordinal);
        return close > 9 && int.TryParse(field.AsSpan(9, close - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < rows.Count
            ? $"row {rows[i]}{field[(close + 1)..]}"
            : field;
    }
}
