using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using CsvHelper;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Creators;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;

namespace Pulse.Influence.Commissions;

public sealed partial class CommissionService
{
    /// <summary>
    /// Pays every creator (or one) whose approved commissions, less claw-backs, add up to more than
    /// zero in a currency: one payout each, its commissions marked paid. A balance of zero or less
    /// (a refund after the last payout) is carried to the next run. Audited.
    /// </summary>
    public async Task<IReadOnlyList<PayoutRecordDto>> PayAsync(Actor actor, PayoutRequest r, CancellationToken ct)
    {
        actor.Demand(Permission.PayoutsManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var currency = r.Currency is null ? null : CommissionRules.Currency(r.Currency, errors);
        if (r.Reference is { Length: > 200 } || r.Reference is not null && r.Reference.Any(char.IsControl))
            errors["reference"] = ["reference is at most 200 characters."];
        if (errors.Count > 0)
            throw new ValidationException(errors);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var q = _db.Commissions.Where(k => k.WorkspaceId == actor.WorkspaceId && k.State == CommissionStates.Approved);
            if (r.CreatorId is { } creator)
                q = q.Where(k => k.CreatorId == creator);
            if (currency is not null)
                q = q.Where(k => k.Currency == currency);
            var rows = await q.ToListAsync(c);
            var now = _time.GetUtcNow();
            var payouts = new List<Payout>();
            var records = new List<AuditRecord>();
            foreach (var g in rows.GroupBy(k => (k.CreatorId, k.Currency)))
            {
                var total = g.Sum(k => k.Amount);
                if (total <= 0)
                    continue;
                var payout = new Payout
                {
                    Id = Guid.CreateVersion7(now), WorkspaceId = actor.WorkspaceId, CreatorId = g.Key.CreatorId, Amount = total, Currency = g.Key.Currency,
                    Commissions = g.Count(), Reference = r.Reference?.Trim(), CreatedAt = now, CreatedBy = actor.Name,
                };
                foreach (var k in g)
                    (k.State, k.PayoutId, k.UpdatedAt) = (CommissionStates.Paid, payout.Id, now);
                _db.Payouts.Add(payout);
                payouts.Add(payout);
                records.Add(new AuditRecord("payout.created", "payout", payout.Id.ToString(), null,
                    AuditSummary.Of(new { creator = payout.CreatorId, payout.Amount, payout.Currency, payout.Commissions, payout.Reference })));
            }
            await QueuePayoutWebhooksAsync(actor.WorkspaceId, payouts, now, c);
            return (await PayoutDtosAsync(payouts, c), (IReadOnlyList<AuditRecord>)records);
        }, ct);
    }

    public async Task<IReadOnlyList<PayoutRecordDto>> ListPayoutsAsync(Actor actor, Guid? creatorId, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var q = _db.Payouts.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId);
        if (creatorId is { } creator)
            q = q.Where(p => p.CreatorId == creator);
        return await PayoutDtosAsync(await q.OrderByDescending(p => p.Id).Take(1000).ToListAsync(ct), ct);
    }

    /// <summary>
    /// The payout file for the bank or payment provider: one row per payout with the creator's
    /// payout method, account and holder in clear. Needs PayoutsManage; the export is audited.
    /// </summary>
    public async Task ExportPayoutsAsync(Actor actor, Guid[]? ids, DateTimeOffset? since, Stream output, CancellationToken ct)
    {
        actor.Demand(Permission.PayoutsManage);
        var q = _db.Payouts.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId);
        if (ids is { Length: > 0 })
            q = q.Where(p => ids.Contains(p.Id));
        if (since is { } s)
            q = q.Where(p => p.CreatedAt >= s);
        var payouts = await q.OrderBy(p => p.Id).Take(100_000).ToListAsync(ct);
        var creatorIds = payouts.Select(p => p.CreatorId).Distinct().ToList();
        var creators = await _db.Creators.AsNoTracking().Where(c => creatorIds.Contains(c.Id)).ToDictionaryAsync(c => c.Id, ct);
        await using (var csv = CsvWriter.Create(output, CsvOptions, true))
        {
            await csv.WriteRecordAsync(["payout_id", "creator", "email", "method", "account", "holder", "amount", "currency", "reference", "created_at"], ct);
            foreach (var p in payouts)
            {
                var creator = creators.GetValueOrDefault(p.CreatorId);
                var secret = creator?.PayoutSecret is { } protectedText ? JsonSerializer.Deserialize(_payouts.Unprotect(protectedText), InfluenceStoreJson.Default.PayoutSecret) : null;
                await csv.WriteRecordAsync([p.Id.ToString(), creator?.Name, creator?.Email, creator?.PayoutMethod is { } m ? CreatorInput.PayoutName(m) : "", secret?.Account, secret?.Holder,
                    p.Amount.ToString("0.00", CultureInfo.InvariantCulture), p.Currency, p.Reference, p.CreatedAt.ToString("O", CultureInfo.InvariantCulture)], ct);
            }
            await csv.FlushAsync(ct);
        }
        await _audit.RecordAsync(_platform, actor, new AuditRecord("payout.exported", "payout", null, null, AuditSummary.Of(new { payouts = payouts.Count, since })), ct);
    }

    /// <summary>
    /// A creator's month in one currency: the balance owed before it, what was earned (pending
    /// included, shown apart), reversed by refunds after payout, paid, and owed after. Amounts count
    /// by when they were earned; states are as they are now.
    /// </summary>
    public async Task<StatementDto> StatementAsync(Actor actor, Guid creatorId, string month, string? currency, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        return await StatementCoreAsync(actor, creatorId, month, currency, ct);
    }

    /// <summary>The statement without the permission check, for the partner portal (which asks only for the partner's own creator).</summary>
    internal async Task<StatementDto> StatementCoreAsync(Actor actor, Guid creatorId, string month, string? currency, CancellationToken ct)
    {
        if (!DateTimeOffset.TryParseExact(month + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var start))
            throw new ValidationException("month", $"'{month}' is not a month (yyyy-MM).");
        start = new DateTimeOffset(start.UtcDateTime, TimeSpan.Zero);
        var end = start.AddMonths(1);
        var creator = await _db.Creators.AsNoTracking().FirstOrDefaultAsync(c => c.Id == creatorId && c.WorkspaceId == actor.WorkspaceId, ct) ?? throw new NotFoundException("The creator");
        var all = await _db.Commissions.AsNoTracking().Where(k => k.WorkspaceId == actor.WorkspaceId && k.CreatorId == creatorId && k.EarnedAt < end).ToListAsync(ct);
        var payouts = await _db.Payouts.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId && p.CreatorId == creatorId && p.CreatedAt < end).ToListAsync(ct);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var cur = currency is not null ? CommissionRules.Currency(currency, errors)
            : all.GroupBy(k => k.Currency).OrderByDescending(g => g.Count()).Select(g => g.Key).FirstOrDefault()
              ?? (await _db.Programs.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId).Select(p => p.Currency).FirstOrDefaultAsync(ct)) ?? "PLN";
        if (errors.Count > 0)
            throw new ValidationException(errors);
        all = all.Where(k => k.Currency == cur).ToList();
        payouts = payouts.Where(p => p.Currency == cur).ToList();
        static bool Owed(Commission k) => k.State is CommissionStates.Approved or CommissionStates.Paid;
        var opening = all.Where(k => k.EarnedAt < start && Owed(k)).Sum(k => k.Amount) - payouts.Where(p => p.CreatedAt < start).Sum(p => p.Amount);
        var lines = all.Where(k => k.EarnedAt >= start).OrderBy(k => k.EarnedAt).ToList();
        var earned = lines.Where(k => k.Kind != "clawback" && k.State != CommissionStates.Cancelled).Sum(k => k.Amount);
        var pending = lines.Where(k => k.State is CommissionStates.Pending or CommissionStates.OnHold).Sum(k => k.Amount);
        var reversed = lines.Where(k => k.Kind == "clawback" && Owed(k)).Sum(k => k.Amount);
        var paid = payouts.Where(p => p.CreatedAt >= start).Sum(p => p.Amount);
        return new StatementDto(creator.Id, creator.Name, month, cur!, opening, earned, reversed, paid, opening + earned - pending + reversed - paid, pending,
            await ToDtosAsync(lines, ct));
    }

    /// <summary>The statement as CSV: a summary block, then one line per commission.</summary>
    public static async Task WriteCsvAsync(StatementDto s, Stream output, CancellationToken ct)
    {
        // A summary block of label/value pairs, a blank line, then the lines' table: rows differ in width.
        await using var csv = CsvWriter.Create(output, CsvOptions with { ValidateFieldCount = false }, true);
        static string M(decimal d) => d.ToString("0.00", CultureInfo.InvariantCulture);
        foreach (var row in new string?[][]
                 {
                     ["creator", s.CreatorName], ["month", s.Month], ["currency", s.Currency], ["opening balance", M(s.Opening)], ["earned", M(s.Earned)],
                     ["of which pending", M(s.Pending)], ["reversed after payout", M(s.Reversed)], ["paid", M(s.Paid)], ["closing balance", M(s.Closing)], [""],
                     ["date", "order", "kind", "base", "rate", "amount", "state", "available", "note"],
                 })
            await csv.WriteRecordAsync(row, ct);
        foreach (var l in s.Lines)
        {
            await csv.WriteRecordAsync([l.EarnedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), l.OrderId, l.Kind, M(l.Base),
                l.RateType == "percent" ? l.Rate.ToString("0.##", CultureInfo.InvariantCulture) + "%" : M(l.Rate), M(l.Amount), l.State,
                l.AvailableAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), l.Note], ct);
        }
        await csv.FlushAsync(ct);
    }

    /// <summary>Text a spreadsheet would run as a formula (=, +, -, @) is escaped: names and notes come from people.</summary>
    private static readonly CsvWriterOptions CsvOptions = CsvWriterOptions.Default with { Injection = CsvInjection.Escape };

    /// <summary>The statement as a printable page (every value HTML-encoded).</summary>
    public static string Html(StatementDto s)
    {
        static string E(string? t) => WebUtility.HtmlEncode(t ?? "");
        string M(decimal d) => E(d.ToString("N2", CultureInfo.InvariantCulture) + " " + s.Currency);
        var b = new StringBuilder();
        b.Append(CultureInfo.InvariantCulture, $"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Statement {E(s.Month)} – {E(s.CreatorName)}</title>");
        b.Append("<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#222}table{border-collapse:collapse;width:100%;margin-top:1rem}"
            + "td,th{border-bottom:1px solid #ddd;padding:.35rem .5rem;text-align:left}td.n,th.n{text-align:right}@media print{a{display:none}}</style></head><body>");
        b.Append(CultureInfo.InvariantCulture, $"<h1>Commission statement</h1><p><strong>{E(s.CreatorName)}</strong> · {E(s.Month)} · {E(s.Currency)}</p><table>");
        foreach (var (label, value) in new[] { ("Opening balance", s.Opening), ("Earned", s.Earned), ("of which pending (in the holding period or on hold)", s.Pending),
                     ("Reversed after payout", s.Reversed), ("Paid", s.Paid), ("Closing balance", s.Closing) })
            b.Append(CultureInfo.InvariantCulture, $"<tr><th>{E(label)}</th><td class=\"n\">{M(value)}</td></tr>");
        b.Append("</table><table><tr><th>Date</th><th>Order</th><th>Kind</th><th class=\"n\">Base</th><th class=\"n\">Rate</th><th class=\"n\">Amount</th><th>State</th><th>Note</th></tr>");
        foreach (var l in s.Lines)
        {
            b.Append(CultureInfo.InvariantCulture, $"<tr><td>{l.EarnedAt:yyyy-MM-dd}</td><td>{E(l.OrderId)}</td><td>{E(l.Kind)}</td><td class=\"n\">{M(l.Base)}</td>"
                + $"<td class=\"n\">{E(l.RateType == "percent" ? l.Rate.ToString("0.##", CultureInfo.InvariantCulture) + "%" : l.Rate.ToString("N2", CultureInfo.InvariantCulture))}</td>"
                + $"<td class=\"n\">{M(l.Amount)}</td><td>{E(l.State)}</td><td>{E(l.Note)}</td></tr>");
        }
        b.Append("</table></body></html>");
        return b.ToString();
    }

    internal async Task<List<PayoutRecordDto>> PayoutDtosAsync(List<Payout> rows, CancellationToken ct)
    {
        var ids = rows.Select(p => p.CreatorId).Distinct().ToList();
        var names = await _db.Creators.AsNoTracking().Where(c => ids.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        return rows.Select(p => new PayoutRecordDto(p.Id, p.CreatorId, names.GetValueOrDefault(p.CreatorId), p.Amount, p.Currency, p.Commissions, p.Reference, p.CreatedAt, p.CreatedBy)).ToList();
    }
}
