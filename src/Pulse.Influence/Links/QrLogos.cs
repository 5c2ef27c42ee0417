using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Links;

/// <summary>The brand's logo for the middle of its QR codes: a PNG (nothing that could run script in an SVG).</summary>
internal sealed class QrLogo
{
    public Guid WorkspaceId { get; set; }
    public required byte[] Png { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }
}

/// <summary>
/// The workspace's QR logo: set (PNG up to <see cref="MaxBytes"/>, at most 2,000 pixels a side),
/// removed, and placed in the middle of SVG QR codes asked for with <c>logo=true</c>; the code then
/// uses error correction H, so the covered modules are recovered when scanned.
/// </summary>
public sealed class QrLogoService
{
    public const int MaxBytes = 256 * 1024;
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];
    private readonly InfluenceDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;

    internal QrLogoService(InfluenceDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time)
    {
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
    }

    public async Task SetAsync(Actor actor, byte[] png, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        if (Problem(png) is { } problem)
            throw new ValidationException("logo", problem);
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.QrLogos.FirstOrDefaultAsync(l => l.WorkspaceId == actor.WorkspaceId, c);
            if (row is null)
                _db.QrLogos.Add(row = new QrLogo { WorkspaceId = actor.WorkspaceId, Png = png, UpdatedBy = actor.Name });
            (row.Png, row.UpdatedAt, row.UpdatedBy) = (png, _time.GetUtcNow(), actor.Name);
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord("qr_logo.set", "workspace", actor.WorkspaceId.ToString(), null, AuditSummary.Of(new { bytes = png.Length }))]);
        }, ct);
    }

    public async Task RemoveAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var removed = await _db.QrLogos.Where(l => l.WorkspaceId == actor.WorkspaceId).ExecuteDeleteAsync(c);
            return (true, (IReadOnlyList<AuditRecord>)(removed > 0 ? [new AuditRecord("qr_logo.removed", "workspace", actor.WorkspaceId.ToString())] : []));
        }, ct);
    }

    /// <summary>The logo to put in <paramref name="actor"/>'s QR codes, or why not (none set).</summary>
    public async Task<byte[]> LogoAsync(Actor actor, CancellationToken ct) =>
        await _db.QrLogos.AsNoTracking().Where(l => l.WorkspaceId == actor.WorkspaceId).Select(l => l.Png).FirstOrDefaultAsync(ct)
            ?? throw new ValidationException("logo", "The workspace has no QR logo: set one with PUT /api/v1/links/qr-logo (a PNG).");

    /// <summary>Why <paramref name="png"/> is no usable logo, or null: a PNG by its signature and header, not too large.</summary>
    public static string? Problem(byte[] png)
    {
        if (png.Length == 0)
            return "Send the logo as the body (Content-Type: image/png).";
        if (png.Length > MaxBytes)
            return $"The logo is {png.Length / 1024} KB; at most {MaxBytes / 1024} KB.";
        // Signature, then the IHDR chunk first: width and height, big-endian.
        if (png.Length < 33 || !png.AsSpan(0, 8).SequenceEqual(PngSignature) || png[12] != 'I' || png[13] != 'H' || png[14] != 'D' || png[15] != 'R')
            return "The logo is not a PNG image.";
        var width = (png[16] << 24) | (png[17] << 16) | (png[18] << 8) | png[19];
        var height = (png[20] << 24) | (png[21] << 16) | (png[22] << 8) | png[23];
        return width is < 1 or > 2000 || height is < 1 or > 2000 ? $"The logo is {width}×{height} pixels; at most 2000 a side." : null;
    }
}
