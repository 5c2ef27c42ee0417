using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Creators;

/// <summary>The CSV import of creators (see <see cref="CreatorCsv"/>).</summary>
public sealed partial class CreatorService
{
    /// <summary>
    /// Imports creators from a CSV (see <see cref="CreatorCsv"/>). Each row matches an existing
    /// creator by e-mail, else by one of its handles, and updates it; otherwise it creates one.
    /// Valid rows are saved together, refused rows are reported with every problem named by its
    /// column and nothing of them is saved. <paramref name="dryRun"/> checks and reports without saving.
    /// </summary>
    public async Task<CreatorImportReport> ImportAsync(Actor actor, TextReader csv, bool dryRun, IProgress<long>? progress, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var rows = CreatorCsv.Read(csv, Permissions.Allows(actor.Role, Permission.PayoutsManage));
        var results = new List<ImportRowDto>(rows.Count);
        var groupsCreated = new List<string>();
        var write = async (CancellationToken c) =>
        {
            var existing = await _db.Creators.Include(x => x.Handles).Where(x => x.WorkspaceId == actor.WorkspaceId).ToListAsync(c);
            var byEmail = existing.Where(x => x.Email is not null).ToDictionary(x => x.Email!, StringComparer.Ordinal);
            var byHandle = existing.SelectMany(x => x.Handles.Select(h => (Key: (h.Platform, h.Handle), Creator: x))).ToDictionary(x => x.Key, x => x.Creator);
            var groups = await _db.Groups.Where(g => g.WorkspaceId == actor.WorkspaceId).ToDictionaryAsync(g => g.Name, StringComparer.OrdinalIgnoreCase, c);
            var groupIds = groups.Values.Select(g => g.Id).ToList();
            var members = await _db.GroupMembers.Where(m => groupIds.Contains(m.GroupId)).ToListAsync(c);
            var touched = new HashSet<Guid>();
            var records = new List<AuditRecord>();
            var done = 0;
            foreach (var row in rows)
            {
                c.ThrowIfCancellationRequested();
                progress?.Report(++done);
                if (row.Errors.Count > 0)
                {
                    results.Add(new ImportRowDto(row.Line, "failed", row.Fields.Name, null, row.Errors));
                    continue;
                }
                var f = row.Fields;
                Creator? match = f.Email is { Length: > 0 } email && byEmail.TryGetValue(email, out var m1) ? m1 : null;
                match ??= f.Handles?.Select(h => byHandle.GetValueOrDefault((h.Platform, h.Handle))).FirstOrDefault(x => x is not null);
                var problems = new List<string>();
                foreach (var h in f.Handles ?? [])
                {
                    if (byHandle.TryGetValue((h.Platform, h.Handle), out var owner) && owner != match)
                        problems.Add($"{Handles.Name(h.Platform)}: @{h.Handle} belongs to creator '{owner.Name}'");
                }
                if (f.Email is { Length: > 0 } e2 && byEmail.TryGetValue(e2, out var emailOwner) && emailOwner != match)
                    problems.Add($"email: {e2} belongs to creator '{emailOwner.Name}'");
                if (match is not null && touched.Contains(match.Id))
                    problems.Add($"creator '{match.Name}' was already changed by an earlier row of this file");
                if (problems.Count > 0)
                {
                    results.Add(new ImportRowDto(row.Line, "failed", f.Name, match?.Id, problems));
                    continue;
                }
                Creator target;
                string outcome;
                string? before = null;
                if (match is null)
                {
                    target = NewRow(actor, f);
                    if (!dryRun)
                        _db.Creators.Add(target);
                    existing.Add(target);
                    outcome = "created";
                }
                else
                {
                    target = match;
                    before = Summary(target);
                    foreach (var h in target.Handles)
                        byHandle.Remove((h.Platform, h.Handle));
                    if (target.Email is not null)
                        byEmail.Remove(target.Email);
                    Apply(target, f, replaceLists: false);
                    outcome = "updated";
                }
                touched.Add(target.Id);
                if (target.Email is not null)
                    byEmail[target.Email] = target;
                foreach (var h in target.Handles)
                    byHandle[(h.Platform, h.Handle)] = target;
                foreach (var name in f.Groups ?? [])
                {
                    if (!groups.TryGetValue(name, out var group))
                    {
                        group = new CreatorGroup { Id = Guid.CreateVersion7(_time.GetUtcNow()), WorkspaceId = actor.WorkspaceId, Name = name, CreatedAt = _time.GetUtcNow() };
                        groups[name] = group;
                        groupsCreated.Add(name);
                        if (!dryRun)
                            _db.Groups.Add(group);
                    }
                    if (!members.Any(x => x.GroupId == group.Id && x.CreatorId == target.Id))
                    {
                        var member = new CreatorGroupMember { GroupId = group.Id, CreatorId = target.Id };
                        members.Add(member);
                        if (!dryRun)
                            _db.GroupMembers.Add(member);
                    }
                }
                if (row.Note is { } note && !dryRun)
                {
                    var now = _time.GetUtcNow();
                    _db.Notes.Add(new CreatorNote { Id = Guid.CreateVersion7(now), CreatorId = target.Id, Text = note, Author = actor.Name, CreatedAt = now });
                }
                results.Add(new ImportRowDto(row.Line, outcome, target.Name, target.Id, []));
                records.Add(new AuditRecord(outcome == "created" ? "creator.created" : "creator.updated", "creator", target.Id.ToString(), before, Summary(target)));
            }
            if (!dryRun)
                await Fraud.DuplicateCreators.CheckAsync(_db, existing.Where(x => touched.Contains(x.Id)).ToList(), RevealPayout, _time.GetUtcNow(), c);
            var report = new CreatorImportReport(rows.Count, results.Count(r => r.Outcome == "created"), results.Count(r => r.Outcome == "updated"),
                results.Count(r => r.Outcome == "failed"), dryRun, groupsCreated, results);
            records.Add(new AuditRecord("creator.imported", "creator", null, null, AuditSummary.Of(new { report.Rows, report.Created, report.Updated, report.Failed, report.GroupsCreated })));
            return (report, (IReadOnlyList<AuditRecord>)records);
        };
        if (dryRun)
        {
            try
            {
                return (await write(ct)).report;
            }
            finally
            {
                _db.ChangeTracker.Clear();
            }
        }
        return await _audit.WriteAsync(_platform, _db, actor, write, ct);
    }
}
