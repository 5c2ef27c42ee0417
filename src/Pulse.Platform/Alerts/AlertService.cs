using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;
using Pulse.Platform.Webhooks;

namespace Pulse.Platform.Alerts;

/// <summary>
/// Alerts of a workspace: raised and cleared by module watchers (<see cref="IAlerts"/>), listed and
/// acknowledged by people, delivered to the workspace's webhook. Acknowledgements and settings
/// changes are audited; raising and clearing are the watchers' own record and are not.
/// </summary>
public sealed class AlertService : IAlerts
{
    public const string StateOpen = "open";
    public const string StateCleared = "cleared";
    public const string StateAll = "all";
    private const string CursorKind = "alerts";
    private const int MaxKeyLength = 300;
    private const int MaxTitleLength = 200;
    private const int MaxDetailLength = 2000;

    private readonly PulseDbContext _db;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly AlertNotifier? _notifier;
    private readonly OutboundTargets _targets;

    /// <param name="notifier">The server's webhook queue; none in the CLI (nothing there raises or clears).</param>
    /// <param name="targets">Which webhook URLs the operator allows (the same rule as for destinations).</param>
    internal AlertService(PulseDbContext db, AuditTrail audit, TimeProvider time, AlertNotifier? notifier, OutboundTargets targets)
    {
        _targets = targets;
        _db = db;
        _audit = audit;
        _time = time;
        _notifier = notifier;
    }

    public async Task<AlertDto> RaiseAsync(AlertRaise alert, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(alert.Kind);
        ArgumentException.ThrowIfNullOrEmpty(alert.Key);
        var key = Clip(alert.Key, MaxKeyLength);
        var figures = JsonSerializer.Serialize(
            alert.Figures.Where(f => double.IsFinite(f.Value)).ToDictionary(f => f.Key, f => f.Value),
            AlertJsonContext.Default.DictionaryStringDouble);
        var now = _time.GetUtcNow();
        var row = await _db.Alerts.FirstOrDefaultAsync(a => a.WorkspaceId == alert.WorkspaceId && a.Key == key && a.ClearedAt == null, ct);
        var opened = row is null;
        if (row is null)
        {
            row = new Alert
            {
                Id = Guid.CreateVersion7(now),
                WorkspaceId = alert.WorkspaceId,
                Kind = Clip(alert.Kind, 64),
                Key = key,
                Title = "",
                Detail = "",
                Figures = "{}",
                RaisedAt = now,
            };
            _db.Alerts.Add(row);
        }
        row.Severity = alert.Severity;
        row.Title = Clip(alert.Title, MaxTitleLength);
        row.Detail = Clip(alert.Detail, MaxDetailLength);
        row.Figures = figures;
        row.UpdatedAt = now;
        await _db.SaveChangesAsync(ct);
        if (opened)
            _notifier?.Enqueue(row.Id, AlertNotifier.Raised);
        return ToDto(row);
    }

    public async Task<bool> ClearAsync(Guid workspaceId, string key, CancellationToken ct)
    {
        key = Clip(key, MaxKeyLength);
        var row = await _db.Alerts.FirstOrDefaultAsync(a => a.WorkspaceId == workspaceId && a.Key == key && a.ClearedAt == null, ct);
        if (row is null)
            return false;
        var now = _time.GetUtcNow();
        row.ClearedAt = now;
        row.UpdatedAt = now;
        await _db.SaveChangesAsync(ct);
        _notifier?.Enqueue(row.Id, AlertNotifier.Resolved);
        return true;
    }

    public async Task<IReadOnlyList<(Guid WorkspaceId, string Key)>> OpenKeysAsync(string kind, CancellationToken ct)
    {
        var rows = await _db.Alerts.AsNoTracking()
            .Where(a => a.Kind == kind && a.ClearedAt == null)
            .Select(a => new { a.WorkspaceId, a.Key })
            .ToListAsync(ct);
        return rows.Select(r => (r.WorkspaceId, r.Key)).ToList();
    }

    /// <summary>Alerts of the actor's workspace, newest first; <paramref name="state"/> is open (default), cleared or all.</summary>
    public async Task<Page<AlertDto>> ListAsync(Actor actor, string? state, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.AlertsRead);
        var query = _db.Alerts.AsNoTracking().Where(a => a.WorkspaceId == actor.WorkspaceId);
        query = (state ?? StateOpen) switch
        {
            StateOpen => query.Where(a => a.ClearedAt == null),
            StateCleared => query.Where(a => a.ClearedAt != null),
            StateAll => query,
            _ => throw new ValidationException("state", "state must be open, cleared or all."),
        };
        return await query.PageAsync(a => a.Id, CursorKind, page, ToDto, ct);
    }

    /// <summary>How many alerts of the actor's workspace are open (the panel's badge).</summary>
    public Task<int> CountOpenAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.AlertsRead);
        return _db.Alerts.CountAsync(a => a.WorkspaceId == actor.WorkspaceId && a.ClearedAt == null, ct);
    }

    /// <summary>Marks an alert as seen by the actor; acknowledging it again changes nothing.</summary>
    public async Task<AlertDto> AcknowledgeAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.AlertsManage);
        return await _audit.WriteAsync(_db, actor, async c =>
        {
            var row = await _db.Alerts.FirstOrDefaultAsync(a => a.Id == id && a.WorkspaceId == actor.WorkspaceId, c)
                ?? throw new NotFoundException("Alert");
            if (row.AcknowledgedAt is not null)
                return (ToDto(row), (IReadOnlyList<AuditRecord>)[]);
            row.AcknowledgedAt = _time.GetUtcNow();
            row.AcknowledgedBy = actor.Name;
            return (ToDto(row), (IReadOnlyList<AuditRecord>)[new AuditRecord("alert.acknowledged", "alert", row.Id.ToString(), null, AuditSummary.Of(new { key = row.Key, title = row.Title }))]);
        }, ct);
    }

    public async Task<AlertSettingsDto> GetSettingsAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.AlertsManage);
        var row = await _db.AlertSettings.AsNoTracking().FirstOrDefaultAsync(s => s.WorkspaceId == actor.WorkspaceId, ct);
        if (row is not null)
            return ToDto(row);
        // The secret is made once and kept, so that a receiver can be set up before the URL is saved.
        return await UpdateSettingsAsync(actor, new UpdateAlertSettingsRequest(), ct);
    }

    public async Task<AlertSettingsDto> UpdateSettingsAsync(Actor actor, UpdateAlertSettingsRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.AlertsManage);
        var url = request.WebhookUrl is null ? null : WebhookUrl("webhookUrl", request.WebhookUrl);
        return await _audit.WriteAsync(_db, actor, async c =>
        {
            var row = await _db.AlertSettings.FirstOrDefaultAsync(s => s.WorkspaceId == actor.WorkspaceId, c);
            var records = new List<AuditRecord>();
            string? before = null;
            if (row is null)
            {
                row = new AlertSettings { WorkspaceId = actor.WorkspaceId, Secret = Webhooks.WebhookSignature.NewSecret(), UpdatedBy = actor.Name };
                _db.AlertSettings.Add(row);
                records.Add(new AuditRecord("alert_settings.secret_created", "workspace", actor.WorkspaceId.ToString()));
            }
            else
            {
                before = Summary(row);
            }
            if (request.WebhookUrl is not null && (url ?? "") != (row.WebhookUrl ?? ""))
            {
                row.WebhookUrl = url;
                records.Add(new AuditRecord("alert_settings.changed", "workspace", actor.WorkspaceId.ToString(), before, Summary(row)));
            }
            if (request.RotateSecret == true && before is not null)
            {
                row.Secret = Webhooks.WebhookSignature.NewSecret();
                records.Add(new AuditRecord("alert_settings.secret_rotated", "workspace", actor.WorkspaceId.ToString()));
            }
            if (records.Count > 0)
            {
                row.UpdatedAt = _time.GetUtcNow();
                row.UpdatedBy = actor.Name;
            }
            return (ToDto(row), (IReadOnlyList<AuditRecord>)records);
        }, ct);
    }

    /// <summary>
    /// An absolute http or https URL without user information or fragment, to a target the operator
    /// allows (<see cref="OutboundTargets"/>), or null for "" (none).
    /// </summary>
    private string? WebhookUrl(string field, string value)
    {
        var v = value.Trim();
        if (v.Length == 0)
            return null;
        if (v.Length > 2000)
            throw new ValidationException(field, $"{field} must be at most 2000 characters.");
        if (_targets.Problem(v) is { } problem)
            throw new ValidationException(field, problem);
        return new Uri(v).AbsoluteUri;
    }

    private static string Summary(AlertSettings s) => AuditSummary.Of(new { webhookUrl = s.WebhookUrl });

    private static string Clip(string value, int max) => value.Length <= max ? value : value[..max];

    private static AlertSettingsDto ToDto(AlertSettings s) => new(s.WebhookUrl, s.Secret, s.UpdatedAt == default ? null : s.UpdatedAt, s.UpdatedBy);

    internal static AlertDto ToDto(Alert a) => new(
        a.Id, a.Kind, a.Key, a.Severity, a.ClearedAt is null ? StateOpen : StateCleared, a.Title, a.Detail,
        JsonSerializer.Deserialize(a.Figures, AlertJsonContext.Default.DictionaryStringDouble) ?? [],
        a.RaisedAt, a.UpdatedAt, a.ClearedAt, a.AcknowledgedBy, a.AcknowledgedAt, a.LastDelivery, a.LastDeliveryAt);
}
