using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;
using QRCoder;

namespace Pulse.Influence.Links;

public static class LinkEndpoints
{
    public static IEndpointRouteBuilder MapLinks(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/links").WithTags("Links");
        group.MapGet("/", List).RequirePermission(Permission.InfluenceRead).WithSummary("Tracked links of the workspace with their clicks; creatorId=, campaign=, q= filter.");
        group.MapGet("/{id:guid}", Get).RequirePermission(Permission.InfluenceRead).WithSummary("One link with its clicks (total, unique, bots).");
        group.MapGet("/{id:guid}/stats", Stats).RequirePermission(Permission.InfluenceRead)
            .WithSummary("A link's clicks per day, country, device, browser, OS, referrer and QR-or-link since from= (default 30 days).");
        group.MapGet("/{id:guid}/stats.csv", StatsCsv).RequirePermission(Permission.InfluenceRead)
            .WithSummary("The same breakdown as CSV (breakdown, key, clicks, unique, bots), for a spreadsheet.");
        group.MapPut("/qr-logo", PutLogo).RequirePermission(Permission.InfluenceManage).Accepts<byte[]>("image/png")
            .WithSummary("Sets the workspace's QR logo (the body, a PNG up to 256 KB and 2000 pixels a side); SVG codes asked for with logo=true carry it.");
        group.MapDelete("/qr-logo", DeleteLogo).RequirePermission(Permission.InfluenceManage).WithSummary("Removes the workspace's QR logo.");
        group.MapGet("/{id:guid}/qr", Qr).RequirePermission(Permission.InfluenceRead)
            .WithSummary("The link as a QR code: format=png (default) or svg, size= pixels per module 1–40 (default 10); scans count as via=qr.");
        group.MapPost("/", Create).RequirePermission(Permission.InfluenceManage)
            .WithSummary("Creates a link {url, slug?, creatorId?, campaign?, platform?, medium?, redirect?, expiresAt?, password?, ios?, android?, geo?, variants?, trackParam?}.");
        group.MapPost("/bulk", Bulk).RequirePermission(Permission.InfluenceManage)
            .WithSummary("One URL → a link per creator and platform {url, creatorIds? | group?, platforms?, campaign?, medium?, utm?}; at most 1,000 links; all or nothing.");
        group.MapPost("/import", Import).RequirePermission(Permission.InfluenceManage).Accepts<string>("text/csv")
            .WithSummary("Imports links from a Bitly or Dub export (or any CSV with a short link or slug column and a destination column), keeping each back-half as the slug "
                + "when it is free; up to 5,000 rows. creatorId= and campaign= apply to every row; dryRun=true makes nothing. Refused rows are reported and skipped.");
        group.MapPatch("/{id:guid}", Update).RequirePermission(Permission.InfluenceManage).WithSummary("Changes a link; every node's redirect follows within a second.");
        group.MapDelete("/{id:guid}", Delete).RequirePermission(Permission.InfluenceManage).WithSummary("Deletes a link (its clicks stay on the log).");
        return api;
    }

    /// <summary>The service with the address links are shown with: <c>Links:BaseUrl</c>, else this request's.</summary>
    private static LinkService Service(HttpContext http)
    {
        var service = http.RequestServices.GetRequiredService<LinkService>();
        var configured = http.RequestServices.GetRequiredService<IOptions<LinksOptions>>().Value.BaseUrl;
        service.BaseUrl = configured is { Length: > 0 } b ? b : $"{http.Request.Scheme}://{http.Request.Host}";
        return service;
    }

    private static async Task<Ok<Page<LinkDto>>> List(Guid? creatorId, string? campaign, string? q, string? cursor, int? limit, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await Service(http).ListAsync(HttpActor.From(http), new LinkFilter(creatorId, campaign, q), PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<LinkDto>> Get(Guid id, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await Service(http).GetAsync(HttpActor.From(http), id, ct));

    private static async Task<Ok<LinkStatsDto>> Stats(Guid id, DateTimeOffset? from, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await Service(http).StatsAsync(HttpActor.From(http), id, from, ct));

    private static async Task<Results<Ok<LinkImportReport>, ProblemHttpResult>> Import(bool? dryRun, Guid? creatorId, string? campaign, HttpContext http, CancellationToken ct)
    {
        var (text, problem) = await BodyUpload.ReadAsync(http, 5 * 1024 * 1024, ct);
        if (problem is not null)
            return problem;
        using var reader = new StringReader(text!);
        return TypedResults.Ok(await Service(http).ImportAsync(HttpActor.From(http), reader, dryRun ?? false, creatorId, campaign, ct));
    }

    private static async Task<IResult> PutLogo(HttpContext http, QrLogoService logos, CancellationToken ct)
    {
        if (!(http.Request.ContentType ?? "").StartsWith("image/png", StringComparison.OrdinalIgnoreCase))
            return TypedResults.Problem(statusCode: 415, type: ProblemTypes.UnsupportedMediaType, title: "Unsupported media type",
                detail: $"Send the logo as a PNG with Content-Type: image/png (not '{http.Request.ContentType}').");
        var (png, tooLarge) = await BodyUpload.ReadBytesAsync(http, QrLogoService.MaxBytes, "A logo", ct);
        if (tooLarge is not null)
            return tooLarge;
        await logos.SetAsync(HttpActor.From(http), png!, ct);
        return TypedResults.NoContent();
    }

    private static async Task<NoContent> DeleteLogo(HttpContext http, QrLogoService logos, CancellationToken ct)
    {
        await logos.RemoveAsync(HttpActor.From(http), ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> StatsCsv(Guid id, DateTimeOffset? from, HttpContext http, CancellationToken ct) =>
        await StatsFileAsync(Service(http), HttpActor.From(http), id, from, ct);

    /// <summary>A link's breakdown as a CSV download (the API's and the panel's).</summary>
    public static async Task<IResult> StatsFileAsync(LinkService links, Actor actor, Guid id, DateTimeOffset? from, CancellationToken ct)
    {
        var link = await links.GetAsync(actor, id, ct);
        var stats = await links.StatsAsync(actor, id, from, ct);
        var buffer = new MemoryStream();
        await LinkService.WriteStatsCsvAsync(stats, buffer, ct);
        return Results.File(buffer.ToArray(), "text/csv; charset=utf-8", $"clicks-{link.Slug}.csv");
    }

    private static async Task<Created<LinkDto>> Create(CreateLinkRequest body, HttpContext http, CancellationToken ct)
    {
        var created = await Service(http).CreateAsync(HttpActor.From(http), body, ct);
        return TypedResults.Created($"/api/v1/links/{created.Id}", created);
    }

    private static async Task<Created<BulkLinkResult>> Bulk(BulkLinkRequest body, HttpContext http, CancellationToken ct)
    {
        var result = await Service(http).CreateBulkAsync(HttpActor.From(http), body, ct);
        return TypedResults.Created("/api/v1/links", result);
    }

    private static async Task<Ok<LinkDto>> Update(Guid id, UpdateLinkRequest body, HttpContext http, CancellationToken ct) =>
        TypedResults.Ok(await Service(http).UpdateAsync(HttpActor.From(http), id, body, ct));

    private static async Task<NoContent> Delete(Guid id, HttpContext http, CancellationToken ct)
    {
        await Service(http).DeleteAsync(HttpActor.From(http), id, ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> Qr(Guid id, string? format, int? size, bool? logo, HttpContext http, CancellationToken ct)
    {
        var f = (format ?? "png").Trim().ToLowerInvariant();
        if (f is not ("png" or "svg"))
            throw new ValidationException("format", "format is png or svg.");
        LinkQr.CheckSize(size);
        var link = await Service(http).GetAsync(HttpActor.From(http), id, ct);
        var image = logo == true ? await http.RequestServices.GetRequiredService<QrLogoService>().LogoAsync(HttpActor.From(http), ct) : null;
        return LinkQr.File(link, f, size, image);
    }
}

/// <summary>QR codes of links (QRCoder, MIT): the short address with <c>?qr=1</c>, error correction M.</summary>
public static class LinkQr
{
    /// <summary>Refuses a size outside 1–40 pixels per module.</summary>
    public static void CheckSize(int? size)
    {
        if (size is < 1 or > 40)
            throw new ValidationException("size", "size is 1 to 40 pixels per module.");
    }

    /// <summary>The link's QR code as a download named after its slug (the API's, the panel's and the partner portal's).</summary>
    public static IResult File(LinkDto link, string format, int? size, byte[]? logo)
    {
        CheckSize(size);
        var (bytes, type) = Render(link.ShortUrl, format, size ?? 10, logo);
        return Results.File(bytes, type, $"{link.Slug}.{format}");
    }

    /// <param name="logo">A PNG for the middle of an SVG code (it then uses error correction H).</param>
    public static (byte[] Bytes, string ContentType) Render(string shortUrl, string format, int pixelsPerModule, byte[]? logo = null)
    {
        using var generator = new QRCodeGenerator();
        using var data = generator.CreateQrCode(shortUrl + "?" + RedirectEndpoints.QrParam + "=1", logo is null ? QRCodeGenerator.ECCLevel.M : QRCodeGenerator.ECCLevel.H);
        if (format == "svg")
        {
            var svg = logo is null ? new SvgQRCode(data).GetGraphic(pixelsPerModule)
                : new SvgQRCode(data).GetGraphic(pixelsPerModule, "#000000", "#ffffff", true, SvgQRCode.SizingMode.WidthHeightAttribute, new SvgQRCode.SvgLogo(logo, 20, true));
            return (System.Text.Encoding.UTF8.GetBytes(svg), "image/svg+xml");
        }
        if (logo is not null)
            throw new ValidationException("logo", "A logo is placed in SVG codes (format=svg); PNG codes are plain.");
        return (new PngByteQRCode(data).GetGraphic(pixelsPerModule), "image/png");
    }
}
