using System.Globalization;
using CsvHelper;
using Pulse.Platform.Access;

namespace Pulse.Influence.Creators;

/// <summary>One row of an import: its line, the checked fields and every problem named by its column.</summary>
internal sealed record CreatorCsvRow(int Line, CreatorFields Fields, List<string> Errors, string? Note);

/// <summary>
/// Creators as spreadsheets and other tools export them: a CSV with a header naming any of
/// <c>name</c> (required), <c>email</c>, <c>country</c>, <c>status</c>, <c>categories</c> and
/// <c>groups</c> (several separated by <c>;</c> or <c>|</c>), <c>notes</c>, one column per platform
/// (<c>instagram</c>, <c>tiktok</c>, <c>youtube</c>, <c>facebook</c>, <c>x</c> or <c>twitter</c>,
/// <c>linkedin</c>: a handle or profile address) with <c>&lt;platform&gt;_followers</c> beside it
/// (<c>12500</c>, <c>12.5k</c>, <c>1.2M</c>), <c>contract_type</c>, <c>contract_start</c>,
/// <c>contract_end</c> (YYYY-MM-DD), <c>fee</c>, <c>currency</c>, <c>terms</c>, and
/// <c>payout_method</c>, <c>payout_account</c>, <c>payout_holder</c>.
/// </summary>
public static class CreatorCsv
{
    public const int MaxRows = 20_000;

    private static readonly string[] Plain =
    [
        "name", "email", "country", "status", "categories", "groups", "notes", "contract_type", "contract_start", "contract_end", "fee", "currency", "terms",
        "payout_method", "payout_account", "payout_holder",
    ];

    public static IReadOnlyList<string> Columns { get; } =
        [.. Plain, .. Handles.PlatformNames.SelectMany(p => new[] { p, p + "_followers" })];

    /// <summary>The field of <see cref="CreatorInput"/>'s errors as the column people see.</summary>
    private static string Column(string field) => field switch
    {
        "contract.type" => "contract_type",
        "contract.start" => "contract_start",
        "contract.end" => "contract_end",
        "contract.fee" => "fee",
        "contract.currency" => "currency",
        "contract.terms" => "terms",
        "payout.method" => "payout_method",
        "payout.account" => "payout_account",
        "payout.holder" => "payout_holder",
        _ when field.StartsWith("handles.", StringComparison.Ordinal) => field["handles.".Length..].Replace(".followers", "_followers", StringComparison.Ordinal),
        _ => field,
    };

    internal static List<CreatorCsvRow> Read(TextReader text, bool payoutAllowed)
    {
        var options = CsvReaderOptions.Default with { TrackLineNumbers = true, TrimWhitespace = true };
        using var csv = CsvReader.Create(text, options, true);
        var header = csv.Headers.Select(h => Normalize(h)).ToList();
        if (header.Count == 0 || header.All(h => h.Length == 0))
            throw new ValidationException("csv", "The CSV is empty; its first line names the columns (name is required).");
        var unknown = header.Where(h => !Columns.Contains(h)).ToList();
        var twice = header.GroupBy(h => h).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (!header.Contains("name") || unknown.Count > 0 || twice.Count > 0)
        {
            throw new ValidationException("csv.header", $"The header is '{string.Join(",", csv.Headers)}'; "
                + (!header.Contains("name") ? "a 'name' column is required; " : "")
                + (unknown.Count > 0 ? $"unknown columns: {string.Join(", ", unknown)}; " : "")
                + (twice.Count > 0 ? $"columns given twice: {string.Join(", ", twice)}; " : "")
                + $"the columns are {string.Join(", ", Columns)}.");
        }
        var rows = new List<CreatorCsvRow>();
        while (csv.Read())
        {
            if (rows.Count >= MaxRows)
                throw new ValidationException("csv", $"At most {MaxRows:N0} creators per import; split the file.");
            var line = (int)csv.LineNumber;
            string? Get(string column)
            {
                var i = header.IndexOf(column);
                var v = i >= 0 && i < csv.FieldCount ? csv.GetStringOrNull(i)?.Trim() : null;
                return string.IsNullOrEmpty(v) ? null : v;
            }
            if (header.Select((_, i) => i < csv.FieldCount ? csv.GetStringOrNull(i) : null).All(string.IsNullOrWhiteSpace))
                continue;
            var problems = new List<string>();
            var handles = new List<HandleInput>();
            foreach (var p in Handles.PlatformNames)
            {
                var followersText = Get(p + "_followers");
                long? followers = null;
                if (followersText is not null)
                {
                    followers = FollowerCount.Parse(followersText);
                    if (followers is null)
                        problems.Add($"{p}_followers: '{followersText}' is not a follower count (12500, 12.5k or 1.2M).");
                }
                if (Get(p) is { } handle)
                    handles.Add(new HandleInput(p, handle, followers));
                else if (followersText is not null)
                    problems.Add($"{p}_followers: given without a {p} handle.");
            }
            DateOnly? Date(string column)
            {
                if (Get(column) is not { } v)
                    return null;
                if (DateOnly.TryParseExact(v, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var d))
                    return d;
                problems.Add($"{column}: '{v}' is not a date as YYYY-MM-DD.");
                return null;
            }
            decimal? fee = null;
            if (Get("fee") is { } feeText)
            {
                if (decimal.TryParse(feeText, NumberStyles.Number & ~NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out var f))
                    fee = f;
                else
                    problems.Add($"fee: '{feeText}' is not an amount (use a dot for decimals, no thousands separators).");
            }
            var contractGiven = new[] { "contract_type", "contract_start", "contract_end", "fee", "currency", "terms" }.Any(c => Get(c) is not null);
            var contract = contractGiven ? new ContractDto(Get("contract_type"), Date("contract_start"), Date("contract_end"), fee, Get("currency"), Get("terms")) : null;
            var payoutGiven = new[] { "payout_method", "payout_account", "payout_holder" }.Any(c => Get(c) is not null);
            if (payoutGiven && !payoutAllowed)
                problems.Add("payout_account: setting payout details needs the PayoutsManage permission (Owner or Admin).");
            var payout = payoutGiven && payoutAllowed ? new PayoutDto(Get("payout_method"), Get("payout_account"), Get("payout_holder")) : null;
            var request = new CreateCreatorRequest(Get("name"), Get("email"), Get("country"), Get("status"), List(Get("categories")), handles.Count > 0 ? handles : null,
                List(Get("groups")), contract, payout);
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            var fields = CreatorInput.Check(request, errors, creating: true);
            if (fields.Groups is { } groups && groups.Any(g => g.Length > 100))
                errors["groups"] = ["A group's name is at most 100 characters."];
            var note = Get("notes");
            if (note is { Length: > CreatorInput.MaxNote })
                errors["notes"] = [$"A note is at most {CreatorInput.MaxNote} characters."];
            problems.AddRange(errors.SelectMany(e => e.Value.Select(m => $"{Column(e.Key)}: {m}")));
            rows.Add(new CreatorCsvRow(line, fields, problems, note));
        }
        return rows;
    }

    private static string Normalize(string h)
    {
        var v = h.Trim().ToLowerInvariant().Replace(' ', '_').Replace('-', '_');
        return v switch
        {
            "twitter" => "x",
            "twitter_followers" => "x_followers",
            "category" => "categories",
            "group" => "groups",
            "note" => "notes",
            _ => v,
        };
    }

    private static List<string>? List(string? v) =>
        v?.Split([';', '|'], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
}

/// <summary>Follower counts as people write them.</summary>
public static class FollowerCount
{
    /// <summary>12500, 12,500, 12 500, 12.5k or 1.2M; null when it is none of these.</summary>
    public static long? Parse(string text)
    {
        var v = text.Trim().ToLowerInvariant().Replace(" ", "", StringComparison.Ordinal).Replace("\u00a0", "", StringComparison.Ordinal);
        var factor = 1m;
        if (v.EndsWith('k'))
            (factor, v) = (1_000m, v[..^1]);
        else if (v.EndsWith('m'))
            (factor, v) = (1_000_000m, v[..^1]);
        if (factor == 1m)
            v = v.Replace(",", "", StringComparison.Ordinal);
        if (!decimal.TryParse(v, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var n))
            return null;
        var result = decimal.Round(n * factor);
        return result > CreatorInput.MaxFollowers ? null : (long)result;
    }
}
