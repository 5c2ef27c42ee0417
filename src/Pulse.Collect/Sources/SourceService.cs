using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pulse.Collect.Ingest;
using Pulse.Collect.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Sources;

/// <summary>Sources of a workspace: created with a write key, changed, disabled. Every change is audited.</summary>
public sealed class SourceService
{
    private const string CursorKind = "sources";
    private readonly CollectDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly CollectOptions _options;
    private readonly Platform.Cluster.ICacheSignals _signals;

    /// <param name="directory">The server's write-key cache, told of every change; none in the CLI (the server's cache expires by itself).</param>
    internal SourceService(CollectDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time, IOptions<CollectOptions> options, Platform.Cluster.ICacheSignals signals)
    {
        _signals = signals;
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
        _options = options.Value;
    }

    /// <summary>Creates a source; the result holds its write key.</summary>
    public async Task<SourceDto> CreateAsync(Actor actor, CreateSourceRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesManage);
        var name = Validate.Name("name", request.Name);
        var row = new Source
        {
            Id = Guid.CreateVersion7(_time.GetUtcNow()),
            WorkspaceId = actor.WorkspaceId,
            Name = name,
            WriteKey = WriteKeys.New(),
            AllowedOrigins = Origins.Join(Origins.Check("allowedOrigins", request.AllowedOrigins ?? [])),
            MaxEventBytes = CheckLimit("maxEventBytes", request.MaxEventBytes, 1024, 1024 * 1024),
            MaxBatchBytes = CheckLimit("maxBatchBytes", request.MaxBatchBytes, 4 * 1024, _options.MaxBatchBytesCeiling),
            RateLimitPerSecond = CheckLimit("rateLimitPerSecond", request.RateLimitPerSecond, 0, 100_000_000),
            CreatedAt = _time.GetUtcNow(),
            CreatedBy = actor.Name,
        };
        CheckEventWithinBatch(row);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            if (await _db.Sources.AnyAsync(s => s.WorkspaceId == actor.WorkspaceId && s.Name == name, c))
                throw new ConflictException($"The workspace already has a source named '{name}'.");
            _db.Sources.Add(row);
            return (ToDto(row), (IReadOnlyList<AuditRecord>)[new AuditRecord("source.created", "source", row.Id.ToString(), null, Summary(row))]);
        }, ct);
    }

    public async Task<Page<SourceDto>> ListAsync(Actor actor, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesRead);
        var query = _db.Sources.AsNoTracking().Where(s => s.WorkspaceId == actor.WorkspaceId);
        if (page.Cursor is { } cursor)
        {
            var after = Cursor.DecodeGuid(CursorKind, cursor);
            query = query.Where(s => s.Id > after);
        }
        var rows = await query.OrderBy(s => s.Id).Take(page.Limit + 1).ToListAsync(ct);
        var items = rows.Take(page.Limit).Select(ToDto).ToList();
        return new Page<SourceDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, items[^1].Id) : null);
    }

    /// <summary>A source by id or by name.</summary>
    public async Task<SourceDto> GetAsync(Actor actor, string idOrName, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesRead);
        return ToDto(await FindAsync(actor, idOrName, tracking: false, ct));
    }

    public async Task<SourceDto> UpdateAsync(Actor actor, string idOrName, UpdateSourceRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesManage);
        var updated = await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await FindAsync(actor, idOrName, tracking: true, c);
            var before = Summary(row);
            if (request.Name is not null)
            {
                var name = Validate.Name("name", request.Name);
                if (name != row.Name && await _db.Sources.AnyAsync(s => s.WorkspaceId == actor.WorkspaceId && s.Name == name, c))
                    throw new ConflictException($"The workspace already has a source named '{name}'.");
                row.Name = name;
            }
            if (request.Enabled is { } enabled)
                row.Enabled = enabled;
            if (request.AllowedOrigins is { } origins)
                row.AllowedOrigins = Origins.Join(Origins.Check("allowedOrigins", origins));
            if (request.MaxEventBytes is not null)
                row.MaxEventBytes = CheckLimit("maxEventBytes", request.MaxEventBytes, 1024, 1024 * 1024);
            if (request.MaxBatchBytes is not null)
                row.MaxBatchBytes = CheckLimit("maxBatchBytes", request.MaxBatchBytes, 4 * 1024, _options.MaxBatchBytesCeiling);
            if (request.RateLimitPerSecond is not null)
                row.RateLimitPerSecond = CheckLimit("rateLimitPerSecond", request.RateLimitPerSecond, 0, 100_000_000);
            CheckEventWithinBatch(row);
            var action = request.Enabled switch { true => "source.enabled", false => "source.disabled", _ => "source.changed" };
            return (ToDto(row), (IReadOnlyList<AuditRecord>)[new AuditRecord(action, "source", row.Id.ToString(), before, Summary(row))]);
        }, ct);
        _signals.Announce(SourceDirectory.Topic);
        return updated;
    }

    /// <summary>Gives the source a new write key; the old one stops working at once on this server, within the source cache time on others.</summary>
    public async Task<SourceDto> RotateWriteKeyAsync(Actor actor, string idOrName, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesManage);
        var rotated = await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await FindAsync(actor, idOrName, tracking: true, c);
            row.WriteKey = WriteKeys.New();
            return (ToDto(row), (IReadOnlyList<AuditRecord>)[new AuditRecord("source.write_key_rotated", "source", row.Id.ToString())]);
        }, ct);
        _signals.Announce(SourceDirectory.Topic);
        return rotated;
    }

    /// <summary>How the workspace's incoming events are treated: IP handling and the consent default.</summary>
    public async Task<CollectSettingsDto> GetSettingsAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesRead);
        var settings = await SourceDirectory.SettingsAsync(_db, actor.WorkspaceId, ct);
        return new CollectSettingsDto(settings.IpMode.ToString(), settings.ConsentDefault.ToString());
    }

    public async Task<CollectSettingsDto> UpdateSettingsAsync(Actor actor, UpdateCollectSettingsRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesManage);
        IpMode? ip = request.IpMode is null ? null
            : Enum.TryParse<IpMode>(request.IpMode, ignoreCase: true, out var m) && Enum.IsDefined(m) && !int.TryParse(request.IpMode, out _) ? m
            : throw new ValidationException("ipMode", "ipMode must be Full, Truncate, Pseudonymise or Drop.");
        ConsentDefault? consent = request.ConsentDefault is null ? null
            : Enum.TryParse<ConsentDefault>(request.ConsentDefault, ignoreCase: true, out var c) && Enum.IsDefined(c) && !int.TryParse(request.ConsentDefault, out _) ? c
            : throw new ValidationException("consentDefault", "consentDefault must be Allow or Deny.");
        await SourceDirectory.SettingsAsync(_db, actor.WorkspaceId, ct);
        var result = await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.Settings.FirstAsync(x => x.WorkspaceId == actor.WorkspaceId, c);
            var before = AuditSummary.Of(new { ipMode = row.IpMode.ToString(), consentDefault = row.ConsentDefault.ToString() });
            row.IpMode = ip ?? row.IpMode;
            row.ConsentDefault = consent ?? row.ConsentDefault;
            var dto = new CollectSettingsDto(row.IpMode.ToString(), row.ConsentDefault.ToString());
            return (dto, (IReadOnlyList<AuditRecord>)[new AuditRecord("collect.settings_changed", "workspace", actor.WorkspaceId.ToString(), before,
                AuditSummary.Of(new { ipMode = dto.IpMode, consentDefault = dto.ConsentDefault }))]);
        }, ct);
        _signals.Announce(SourceDirectory.Topic);
        return result;
    }

    private async Task<Source> FindAsync(Actor actor, string idOrName, bool tracking, CancellationToken ct)
    {
        var query = tracking ? _db.Sources : _db.Sources.AsNoTracking();
        query = query.Where(s => s.WorkspaceId == actor.WorkspaceId);
        var row = Guid.TryParse(idOrName, out var id)
            ? await query.FirstOrDefaultAsync(s => s.Id == id, ct)
            : await query.FirstOrDefaultAsync(s => s.Name == idOrName, ct);
        return row ?? throw new NotFoundException("Source");
    }

    private static int? CheckLimit(string field, int? value, int min, int max)
    {
        if (value is { } v && (v < min || v > max))
            throw new ValidationException(field, $"{field} must be between {min} and {max}.");
        return value;
    }

    private void CheckEventWithinBatch(Source row)
    {
        if ((row.MaxEventBytes ?? _options.MaxEventBytes) > (row.MaxBatchBytes ?? _options.MaxBatchBytes))
            throw new ValidationException("maxEventBytes", "maxEventBytes must not exceed maxBatchBytes.");
    }

    private static string Summary(Source s) => AuditSummary.Of(new
    {
        name = s.Name,
        enabled = s.Enabled,
        allowedOrigins = Origins.Split(s.AllowedOrigins),
        maxEventBytes = s.MaxEventBytes,
        maxBatchBytes = s.MaxBatchBytes,
        rateLimitPerSecond = s.RateLimitPerSecond,
    });

    internal SourceDto ToDto(Source s) => new(
        s.Id, s.Name, s.WriteKey, s.Enabled, Origins.Split(s.AllowedOrigins),
        s.MaxEventBytes ?? _options.MaxEventBytes, s.MaxBatchBytes ?? _options.MaxBatchBytes,
        s.RateLimitPerSecond ?? _options.RateLimitPerSecond, s.CreatedAt, s.CreatedBy);
}
