using CsvHelper;
using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Access;

namespace Pulse.Influence.Links;

/// <summary>One row of a link import: made (or would be, on a dry run), or refused and why.</summary>
public sealed record LinkImportRowDto(int Row, string Outcome, string? Slug, string? Url, Guid? LinkId, IReadOnlyList<string> Errors);

/// <summary>What an import did: the columns it read as what, and each row.</summary>
public sealed record LinkImportReport(bool DryRun, int Created, int Refused, IReadOnlyDictionary<string, string> Columns, IReadOnlyList<string> Ignored,
    IReadOnlyList<LinkImportRowDto> Rows);

/// <summary>Moving from Bitly or Dub: their link exports become tracked links with the same back-halves.</summary>
public sealed partial class LinkService
{
    public const int MaxImportRows = 5000;

    /// <summary>
    /// Header names (lower case, letters and digits only) of Bitly's and Dub's link exports and of
    /// plain sheets, by what they hold: the short link (its last path segment becomes the slug), the
    /// destination and the title.
    /// </summary>
    private static readonly Dictionary<string, string> ImportColumns = new(StringComparer.Ordinal)
    {
        ["link"] = "short", ["bitlink"] = "short", ["bitlylink"] = "short", ["shortlink"] = "short", ["shorturl"] = "short", ["custombitlinks"] = "short",
        ["custombitlink"] = "short", ["key"] = "slug", ["slug"] = "slug", ["backhalf"] = "slug",
        ["longurl"] = "url", ["url"] = "url", ["destination"] = "url", ["destinationurl"] = "url", ["originalurl"] = "url",
        ["title"] = "title", ["name"] = "title",
    };

    /// <summary>
    /// Imports links from a CSV (Bitly's or Dub's export, or any sheet with a short link or slug and a
    /// destination column). Each row keeps its back-half as the slug when it is free; a row that
    /// cannot be made is reported and skipped, the rest are made. All rows belong to
    /// <paramref name="creatorId"/> and <paramref name="campaign"/> when given.
    /// </summary>
    public async Task<LinkImportReport> ImportAsync(Actor actor, TextReader text, bool dryRun, Guid? creatorId, string? campaign, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var common = new Dictionary<string, string[]>(StringComparer.Ordinal);
        await CreatorAsync(actor, creatorId, common, ct);
        if (campaign is { Length: > 200 })
            common["campaign"] = ["campaign is at most 200 characters."];
        if (common.Count > 0)
            throw new ValidationException(common);

        using var csv = CsvReader.Create(text, CsvReaderOptions.Default with { TrackLineNumbers = true, TrimWhitespace = true }, true);
        var header = csv.Headers.Select(h => new string(h.Where(char.IsAsciiLetterOrDigit).ToArray()).ToLowerInvariant()).ToList();
        var columns = new Dictionary<string, string>(StringComparer.Ordinal);
        var ignored = new List<string>();
        for (var i = 0; i < header.Count; i++)
        {
            if (ImportColumns.TryGetValue(header[i], out var role) && !columns.ContainsValue(role))
                columns[csv.Headers[i]] = role;
            else if (csv.Headers[i].Length > 0)
                ignored.Add(csv.Headers[i]);
        }
        if (!columns.ContainsValue("url"))
            throw new ValidationException("csv.header", $"The header is '{string.Join(",", csv.Headers)}': no destination column (Long URL, url or destination).");
        string? Get(string role)
        {
            var name = columns.FirstOrDefault(c => c.Value == role).Key;
            var i = name is null ? -1 : csv.Headers.ToList().IndexOf(name);
            var v = i >= 0 && i < csv.FieldCount ? csv.GetStringOrNull(i)?.Trim() : null;
            return string.IsNullOrEmpty(v) ? null : v;
        }

        var rows = new List<LinkImportRowDto>();
        var inFile = new HashSet<string>(StringComparer.Ordinal);
        var created = 0;
        while (csv.Read())
        {
            if (rows.Count >= MaxImportRows)
                throw new ValidationException("csv", $"At most {MaxImportRows:N0} links per import; split the file.");
            var line = (int)csv.LineNumber;
            var url = Get("url");
            if (url is null && Get("short") is null && Get("slug") is null && Get("title") is null)
                continue;
            var errors = new List<string>();
            string? slug = null;
            // Bitly lists custom back-halves with spaces or commas between them; the first is the link's.
            var shortLink = Get("short")?.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries).FirstOrDefault();
            var rawSlug = Get("slug") ?? (shortLink is null ? null : BackHalf(shortLink));
            if (rawSlug is not null)
            {
                var (s, e) = LinkInput.CheckSlug(rawSlug);
                if (e is not null)
                    errors.Add($"slug: {e}");
                else if (!inFile.Add(s!))
                    errors.Add($"slug: '{s}' comes twice in the file (slugs are not case-sensitive here).");
                else if (await _db.Links.AnyAsync(l => l.Slug == s, ct))
                    errors.Add($"slug: '{s}' is taken in Pulse; import this row with another slug or rename the existing link.");
                else
                    slug = s;
            }
            var (checkedUrl, urlError) = LinkInput.CheckUrl(url);
            if (urlError is not null)
                errors.Add($"url: {urlError}");
            var title = Get("title") is { } t ? t[..Math.Min(t.Length, 200)] : null;
            if (errors.Count > 0)
            {
                rows.Add(new LinkImportRowDto(line, "refused", slug ?? rawSlug, url, null, errors));
                continue;
            }
            if (dryRun)
            {
                rows.Add(new LinkImportRowDto(line, "would_create", slug, checkedUrl, null, []));
                continue;
            }
            try
            {
                var link = await CreateCoreAsync(actor, new CreateLinkRequest(checkedUrl, slug, creatorId, string.IsNullOrWhiteSpace(campaign) ? null : campaign.Trim(), title), ct);
                rows.Add(new LinkImportRowDto(line, "created", link.Slug, link.Url, link.Id, []));
                created++;
            }
            catch (Exception e) when (e is ValidationException or ConflictException)
            {
                rows.Add(new LinkImportRowDto(line, "refused", slug, url, null,
                    e is ValidationException v ? v.Errors.SelectMany(x => x.Value.Select(m => $"{x.Key}: {m}")).ToList() : [e.Message]));
            }
        }
        return new LinkImportReport(dryRun, created, rows.Count(r => r.Outcome == "refused"), columns, ignored, rows);
    }

    /// <summary>The back-half of a short link (<c>bit.ly/3xYz</c>, <c>https://dub.sh/summer</c> → <c>3xYz</c>, <c>summer</c>).</summary>
    internal static string BackHalf(string shortLink)
    {
        var s = shortLink.Trim();
        var scheme = s.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
            s = s[(scheme + 3)..];
        var cut = s.IndexOfAny(['?', '#']);
        if (cut >= 0)
            s = s[..cut];
        s = s.TrimEnd('/');
        var slash = s.IndexOf('/', StringComparison.Ordinal);
        return slash >= 0 ? s[(slash + 1)..] : s;
    }
}
