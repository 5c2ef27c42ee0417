using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Sources;
using Pulse.Destinations.Mapping;
using Pulse.Destinations.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;
using Pulse.Platform.Webhooks;

namespace Pulse.Destinations.Configs;

/// <summary>
/// Destination configs of a workspace. The config is checked by <see cref="DestinationSettings"/>;
/// secrets (access tokens, API secrets, a webhook's signing secret) are encrypted with ASP.NET Core
/// Data Protection and never returned, only masked (<c>••••1234</c>); a webhook's signing secret is
/// shown once, in the answer that creates the destination. Every change is audited, secrets left out.
/// </summary>
public sealed class DestinationService
{
    private const string CursorKind = "destinations";
    private const string SigningSecret = "signingSecret";
    private const string PreviousSecret = "previousSigningSecret";
    private const string PreviousUntil = "previousSigningSecretUntil";
    public const int MaxOverlapHours = 168;
    internal const string SecretsPurpose = "Pulse.Destinations.Secrets.v1";
    private readonly DestinationsDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly SourceService _sources;
    private readonly IDataProtector _protector;
    private readonly OutboundTargets _targets;
    private readonly Action<Guid?> _changed;

    internal DestinationService(DestinationsDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time, SourceService sources,
        IDataProtectionProvider protection, OutboundTargets targets, Action<Guid?> changed)
    {
        _changed = changed;
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
        _sources = sources;
        _protector = protection.CreateProtector(SecretsPurpose);
        _targets = targets;
    }

    public async Task<DestinationDto> CreateAsync(Actor actor, CreateDestinationRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var type = ParseType(request.Type, errors);
        var name = CheckName(request.Name, errors);
        DestinationSettings? settings = null;
        var config = request.Config ?? EmptyObject();
        if (type is { } t)
        {
            var (parsed, problems) = DestinationSettings.Parse(t, config, _targets.AllowPrivate);
            settings = parsed;
            foreach (var (k, v) in problems)
                errors[k] = v;
        }
        var sources = await SourcesAsync(actor, request.Sources, errors, ct);
        var events = Events(request.Events, errors);
        if (errors.Count > 0)
            throw new ValidationException(errors);

        var secrets = new Dictionary<string, string>(settings!.Secrets, StringComparer.Ordinal);
        string? shownOnce = null;
        if (settings.Type == DestinationType.Webhook)
            secrets[SigningSecret] = shownOnce = WebhookSignature.NewSecret();
        var now = _time.GetUtcNow();
        var row = new Destination
        {
            Id = Guid.CreateVersion7(now),
            WorkspaceId = actor.WorkspaceId,
            Type = TypeName(settings.Type),
            Name = name!,
            Enabled = request.Enabled ?? true,
            Config = WithoutSecrets(config, settings.Secrets.Keys),
            Secrets = _protector.Protect(JsonSerializer.Serialize(secrets)),
            Sources = JsonSerializer.Serialize(sources),
            Events = events is null ? null : JsonSerializer.Serialize(events),
            CreatedAt = now,
            CreatedBy = actor.Name,
            UpdatedAt = now,
        };
        return await Notify(_audit.WriteAsync(_platform, _db, actor, async c =>
        {
            if (await _db.Destinations.AnyAsync(d => d.WorkspaceId == actor.WorkspaceId && d.Name == row.Name, c))
                throw new ConflictException($"The workspace already has a destination named '{row.Name}'.");
            _db.Destinations.Add(row);
            return (ToDto(row) with { SigningSecret = shownOnce },
                (IReadOnlyList<AuditRecord>)[new AuditRecord("destination.created", "destination", row.Id.ToString(), null, Summary(row))]);
        }, ct));
    }

    public async Task<Page<DestinationDto>> ListAsync(Actor actor, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsRead);
        var query = _db.Destinations.AsNoTracking().Where(d => d.WorkspaceId == actor.WorkspaceId);
        if (page.Cursor is { } cursor)
        {
            var after = Cursor.DecodeGuid(CursorKind, cursor);
            query = query.Where(d => d.Id > after);
        }
        var rows = await query.OrderBy(d => d.Id).Take(page.Limit + 1).ToListAsync(ct);
        var items = rows.Take(page.Limit).Select(ToDto).ToList();
        return new Page<DestinationDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, items[^1].Id) : null);
    }

    public async Task<DestinationDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsRead);
        return ToDto(await FindAsync(actor, id, tracking: false, ct));
    }

    /// <summary>Changes what the request names; a config given replaces the old one, and secrets left out of it are kept.</summary>
    public async Task<DestinationDto> UpdateAsync(Actor actor, Guid id, UpdateDestinationRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsManage);
        return await Notify(_audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await FindAsync(actor, id, tracking: true, c);
            var before = Summary(row);
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            if (request.Name is not null)
                row.Name = CheckName(request.Name, errors) ?? row.Name;
            if (request.Config is { } sentConfig)
            {
                var type = ParseType(row.Type, errors)!.Value;
                var secrets = Secrets(row);
                // A secret sent back masked, as GET shows it (an edited copy of the shown config), means "keep it".
                var config = sentConfig;
                if (JsonNode.Parse(config.GetRawText()) is JsonObject shown)
                {
                    foreach (var (k, v) in secrets)
                    {
                        if (shown[k] is JsonValue sent && sent.TryGetValue<string>(out var text) && text == Mask(v))
                            shown.Remove(k);
                    }
                    config = JsonSerializer.SerializeToElement(shown);
                }
                // Secrets not sent again keep their saved values, so a config can be edited without retyping them.
                var merged = JsonNode.Parse(config.GetRawText()) as JsonObject;
                if (merged is not null)
                {
                    foreach (var (k, v) in secrets)
                    {
                        if (k is not (SigningSecret or PreviousSecret or PreviousUntil) && !merged.ContainsKey(k))
                            merged[k] = v;
                    }
                }
                var (settings, problems) = DestinationSettings.Parse(type, merged is null ? config : JsonSerializer.SerializeToElement(merged), _targets.AllowPrivate);
                foreach (var (k, v) in problems)
                    errors[k] = v;
                if (settings is not null)
                {
                    foreach (var (k, v) in settings.Secrets)
                        secrets[k] = v;
                    row.Config = WithoutSecrets(config, settings.Secrets.Keys);
                    row.Secrets = _protector.Protect(JsonSerializer.Serialize(secrets));
                }
            }
            if (request.Sources is not null)
                row.Sources = JsonSerializer.Serialize(await SourcesAsync(actor, request.Sources, errors, c));
            if (request.Events is not null)
                row.Events = request.Events.Count == 0 ? null : JsonSerializer.Serialize(Events(request.Events, errors));
            if (request.Enabled is { } enabled)
                row.Enabled = enabled;
            if (errors.Count > 0)
                throw new ValidationException(errors);
            if (await _db.Destinations.AnyAsync(d => d.WorkspaceId == actor.WorkspaceId && d.Name == row.Name && d.Id != row.Id, c))
                throw new ConflictException($"The workspace already has a destination named '{row.Name}'.");
            row.UpdatedAt = _time.GetUtcNow();
            return (ToDto(row), (IReadOnlyList<AuditRecord>)[new AuditRecord("destination.updated", "destination", row.Id.ToString(), before, Summary(row))]);
        }, ct));
    }

    /// <summary>
    /// Gives a webhook destination a new signing secret, shown once in the answer. For
    /// <paramref name="request"/>'s overlap (24 hours unless given, at most a week; 0 ends the old
    /// secret at once) deliveries are signed with both, so receivers can switch without losing any.
    /// </summary>
    public async Task<DestinationDto> RotateSecretAsync(Actor actor, Guid id, RotateSecretRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsManage);
        var overlap = request.OverlapHours ?? 24;
        if (overlap is < 0 or > MaxOverlapHours)
            throw new ValidationException("overlapHours", $"overlapHours is 0 to {MaxOverlapHours} (a week).");
        return await Notify(_audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await FindAsync(actor, id, tracking: true, c);
            var secrets = Secrets(row);
            if (!secrets.TryGetValue(SigningSecret, out var old))
                throw new ConflictException($"The {row.Type} destination '{row.Name}' has no signing secret; only webhooks are signed.");
            var now = _time.GetUtcNow();
            secrets.Remove(PreviousSecret);
            secrets.Remove(PreviousUntil);
            if (overlap > 0)
            {
                secrets[PreviousSecret] = old;
                secrets[PreviousUntil] = now.AddHours(overlap).ToString("O", System.Globalization.CultureInfo.InvariantCulture);
            }
            var fresh = WebhookSignature.NewSecret();
            secrets[SigningSecret] = fresh;
            row.Secrets = _protector.Protect(JsonSerializer.Serialize(secrets));
            row.UpdatedAt = now;
            return (ToDto(row) with { SigningSecret = fresh },
                (IReadOnlyList<AuditRecord>)[new AuditRecord("destination.secret_rotated", "destination", row.Id.ToString(), null, AuditSummary.Of(new { overlapHours = overlap }))]);
        }, ct));
    }

    /// <summary>The secrets a webhook delivery is signed with at <paramref name="at"/>: the current one, then the previous one while its overlap lasts.</summary>
    internal async Task<IReadOnlyList<string>> SigningSecretsAsync(Guid workspaceId, Guid id, DateTimeOffset at, CancellationToken ct)
    {
        var row = await _db.Destinations.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id && d.WorkspaceId == workspaceId, ct)
            ?? throw new NotFoundException($"A destination with the id '{id}'");
        return SigningSecrets(Secrets(row), at);
    }

    /// <summary>
    /// A stored destination's settings as the delivery engine uses them (the saved config with its
    /// secrets put back, checked again with today's rules) and its signing secrets at a given time;
    /// null settings and the problems when the saved config no longer passes.
    /// </summary>
    internal static (DestinationSettings? Settings, Func<DateTimeOffset, IReadOnlyList<string>> SigningSecrets, string? Problem) Load(Destination row, IDataProtector protector, bool allowPrivate)
    {
        var secrets = JsonSerializer.Deserialize<Dictionary<string, string>>(protector.Unprotect(row.Secrets)) ?? [];
        var config = System.Text.Json.Nodes.JsonNode.Parse(row.Config) as System.Text.Json.Nodes.JsonObject ?? [];
        foreach (var (k, v) in secrets)
        {
            if (k is not (SigningSecret or PreviousSecret or PreviousUntil))
                config[k] = v;
        }
        if (!Enum.TryParse<DestinationType>(row.Type, ignoreCase: true, out var type))
            return (null, _ => [], $"unknown type '{row.Type}'");
        using var doc = JsonDocument.Parse(config.ToJsonString());
        var (settings, problems) = DestinationSettings.Parse(type, doc.RootElement, allowPrivate);
        return (settings, at => SigningSecrets(secrets, at), settings is null ? string.Join(" ", problems.SelectMany(p => p.Value)) : null);
    }

    private static List<string> SigningSecrets(Dictionary<string, string> secrets, DateTimeOffset at)
    {
        var list = new List<string>();
        if (secrets.TryGetValue(SigningSecret, out var current))
            list.Add(current);
        if (secrets.TryGetValue(PreviousSecret, out var previous) && secrets.TryGetValue(PreviousUntil, out var until)
            && DateTimeOffset.Parse(until, System.Globalization.CultureInfo.InvariantCulture) > at)
            list.Add(previous);
        return list;
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsManage);
        await Notify(_audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await FindAsync(actor, id, tracking: true, c);
            _db.Destinations.Remove(row);
            // Its delivery records go with it.
            await _db.Cursors.Where(x => x.DestinationId == row.Id).ExecuteDeleteAsync(c);
            await _db.Attempts.Where(x => x.DestinationId == row.Id).ExecuteDeleteAsync(c);
            await _db.DeadLetters.Where(x => x.DestinationId == row.Id).ExecuteDeleteAsync(c);
            await _db.Replays.Where(x => x.DestinationId == row.Id).ExecuteDeleteAsync(c);
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord("destination.deleted", "destination", row.Id.ToString(), Summary(row), null)]);
        }, ct));
    }

    /// <summary>Tells the delivery engine (in this process) that destinations changed, once the change is committed.</summary>
    private async Task<T> Notify<T>(Task<T> work)
    {
        var result = await work;
        _changed(null);
        return result;
    }

    private async Task<Destination> FindAsync(Actor actor, Guid id, bool tracking, CancellationToken ct)
    {
        var query = tracking ? _db.Destinations : _db.Destinations.AsNoTracking();
        return await query.FirstOrDefaultAsync(d => d.Id == id && d.WorkspaceId == actor.WorkspaceId, ct)
            ?? throw new NotFoundException($"A destination with the id '{id}'");
    }

    private Dictionary<string, string> Secrets(Destination row) =>
        JsonSerializer.Deserialize<Dictionary<string, string>>(_protector.Unprotect(row.Secrets)) ?? [];

    /// <summary>The sources named (ids or names) as ids; at least one, each in the workspace.</summary>
    private async Task<List<Guid>> SourcesAsync(Actor actor, IReadOnlyList<string>? names, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (names is null || names.Count == 0)
        {
            errors["sources"] = ["Name at least one source (id or name) whose events the destination receives."];
            return [];
        }
        var ids = new List<Guid>();
        var missing = new List<string>();
        foreach (var n in names.Distinct(StringComparer.Ordinal))
        {
            try
            {
                ids.Add((await _sources.GetAsync(actor, n ?? "", ct)).Id);
            }
            catch (Exception e) when (e is NotFoundException or ValidationException)
            {
                missing.Add(n ?? "null");
            }
        }
        if (missing.Count > 0)
            errors["sources"] = [$"No source {string.Join(", ", missing.Select(m => $"'{m}'"))} in this workspace."];
        return ids;
    }

    private static List<string>? Events(IReadOnlyList<string>? events, Dictionary<string, string[]> errors)
    {
        if (events is null || events.Count == 0)
            return null;
        if (events.Count > 500 || events.Any(e => string.IsNullOrWhiteSpace(e) || e.Length > 200))
        {
            errors["events"] = ["events is a list of at most 500 event names of 1 to 200 characters (leave it out to send every event)."];
            return null;
        }
        return events.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>The name, or null with its problem added to <paramref name="errors"/>, so every problem of a request is reported at once.</summary>
    private static string? CheckName(string? name, Dictionary<string, string[]> errors)
    {
        try
        {
            return Validate.Name("name", name);
        }
        catch (ValidationException e)
        {
            foreach (var (k, v) in e.Errors)
                errors[k] = v;
            return null;
        }
    }

    private static DestinationType? ParseType(string? type, Dictionary<string, string[]> errors)
    {
        if (type is not null && Enum.TryParse<DestinationType>(type, ignoreCase: true, out var parsed) && TypeName(parsed) == type)
            return parsed;
        errors["type"] = ["type is one of " + string.Join(", ", Enum.GetValues<DestinationType>().Select(TypeName)) + "."];
        return null;
    }

    /// <summary>The type as the API and the table spell it: the enum's name in lower case (webhook, meta, tiktok, linkedin, ga4).</summary>
    internal static string TypeName(DestinationType type) => type.ToString().ToLowerInvariant();

    private static JsonElement EmptyObject() => JsonDocument.Parse("{}").RootElement.Clone();

    private static string WithoutSecrets(JsonElement config, IEnumerable<string> secrets)
    {
        var o = (JsonObject)JsonNode.Parse(config.GetRawText())!;
        foreach (var s in secrets)
            o.Remove(s);
        return o.ToJsonString();
    }

    private DestinationDto ToDto(Destination row)
    {
        var config = (JsonObject)JsonNode.Parse(row.Config)!;
        foreach (var (k, v) in Secrets(row))
            config[k] = k == PreviousUntil ? v : Mask(v);
        return new DestinationDto(row.Id, row.Type, row.Name, row.Enabled, JsonSerializer.SerializeToElement(config),
            JsonSerializer.Deserialize<List<Guid>>(row.Sources) ?? [], row.Events is null ? null : JsonSerializer.Deserialize<List<string>>(row.Events),
            row.CreatedAt, row.UpdatedAt, null);
    }

    /// <summary>Enough of a secret to recognise it, never enough to use it.</summary>
    internal static string Mask(string secret) => SecretMask.Of(secret);

    private static string Summary(Destination row) =>
        AuditSummary.Of(new { row.Type, row.Name, row.Enabled, config = JsonNode.Parse(row.Config), sources = JsonNode.Parse(row.Sources), events = row.Events is null ? null : JsonNode.Parse(row.Events) });
}
