using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Platform.Audit;

/// <summary>Reading the audit trail of one workspace: its own entries and the account events of its members.</summary>
public sealed class AuditQueries(PulseDbContext db, AuditTrail audit)
{
    private const string CursorKind = "audit";

    public async Task<Page<AuditEntryDto>> ListAsync(Actor actor, AuditFilter filter, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.AuditRead);
        var query = Filtered(actor.WorkspaceId, filter);
        if (page.Cursor is { } c)
        {
            var before = Cursor.DecodeLong(CursorKind, c);
            query = query.Where(e => e.Id < before);
        }
        var rows = await query.OrderByDescending(e => e.Id).Take(page.Limit + 1).ToListAsync(ct);
        var items = rows.Take(page.Limit).Select(ToDto).ToList();
        return new Page<AuditEntryDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, items[^1].Id) : null);
    }

    public async Task<int> CountAsync(Actor actor, AuditFilter filter, CancellationToken ct)
    {
        actor.Demand(Permission.AuditRead);
        return await Filtered(actor.WorkspaceId, filter).CountAsync(ct);
    }

    /// <summary>Counts of entries per day and family of action, for the activity chart.</summary>
    public async Task<IReadOnlyList<(DateOnly Day, string Family, int Count)>> ActivityAsync(Actor actor, DateTimeOffset from, CancellationToken ct)
    {
        actor.Demand(Permission.AuditRead);
        var rows = await Filtered(actor.WorkspaceId, new AuditFilter(From: from))
            .Select(e => new { e.OccurredAt, e.Action })
            .ToListAsync(ct);
        return rows
            .GroupBy(r => (Day: DateOnly.FromDateTime(r.OccurredAt.UtcDateTime), Family: Family(r.Action)))
            .Select(g => (g.Key.Day, g.Key.Family, g.Count()))
            .OrderBy(x => x.Day)
            .ToList();
    }

    /// <summary>Writes the filtered entries as CSV and records the export in the trail itself.</summary>
    public async Task<int> ExportCsvAsync(Actor actor, AuditFilter filter, TextWriter output, CancellationToken ct)
    {
        actor.Demand(Permission.AuditExport);
        await audit.RecordAsync(db, actor, new AuditRecord("audit.exported", "audit", null, null,
            AuditSummary.Of(new { filter.Action, filter.Actor, filter.TargetType, filter.TargetId, filter.From, filter.To })), ct);
        await output.WriteLineAsync("id,occurred_at,actor_kind,actor_id,actor_name,action,target_type,target_id,before,after,ip,user_agent,hash");
        var count = 0;
        await foreach (var e in Filtered(actor.WorkspaceId, filter).OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            var line = new StringBuilder();
            line.Append(e.Id.ToString(CultureInfo.InvariantCulture)).Append(',')
                .Append(e.OccurredAt.ToString("O", CultureInfo.InvariantCulture)).Append(',');
            foreach (var field in new[] { e.ActorKind, e.ActorId, e.ActorName, e.Action, e.TargetType, e.TargetId, e.Before, e.After, e.Ip, e.UserAgent })
                line.Append(Csv(field)).Append(',');
            line.Append(e.Hash);
            await output.WriteLineAsync(line.ToString());
            count++;
        }
        return count;
    }

    private IQueryable<AuditEntry> Filtered(Guid workspaceId, AuditFilter f)
    {
        var members = db.Memberships.Where(m => m.WorkspaceId == workspaceId).Select(m => (Guid?)m.UserId);
        var q = db.AuditEntries.AsNoTracking()
            .Where(e => e.WorkspaceId == workspaceId || (e.WorkspaceId == null && members.Contains(e.SubjectUserId)));
        if (!string.IsNullOrEmpty(f.Action))
        {
            q = f.Action.EndsWith('.')
                ? q.Where(e => e.Action.StartsWith(f.Action))
                : q.Where(e => e.Action == f.Action);
        }
        if (!string.IsNullOrEmpty(f.Actor))
            q = q.Where(e => e.ActorName.Contains(f.Actor) || e.ActorId == f.Actor);
        if (!string.IsNullOrEmpty(f.TargetType))
            q = q.Where(e => e.TargetType == f.TargetType);
        if (!string.IsNullOrEmpty(f.TargetId))
            q = q.Where(e => e.TargetId == f.TargetId);
        if (f.From is { } from)
            q = q.Where(e => e.OccurredAt >= from);
        if (f.To is { } to)
            q = q.Where(e => e.OccurredAt < to);
        return q;
    }

    private static string Family(string action)
    {
        var dot = action.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? action : action[..dot];
    }

    private static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        // A leading = + - @ would be run as a formula by spreadsheets.
        var v = value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
        return v.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + v.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : v;
    }

    internal static AuditEntryDto ToDto(AuditEntry e) => new(
        e.Id, e.WorkspaceId, e.ActorKind, e.ActorId, e.ActorName, e.Action, e.TargetType, e.TargetId,
        e.Before, e.After, e.Ip, e.UserAgent, e.OccurredAt, e.Hash);
}
