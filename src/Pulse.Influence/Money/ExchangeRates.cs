using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Money;

/// <summary>One unit of <c>From</c> is <c>Rate</c> units of <c>To</c>, from <c>Day</c> on (until a later day's rate).</summary>
internal sealed class ExchangeRate
{
    public Guid WorkspaceId { get; set; }
    public required string From { get; set; }
    public required string To { get; set; }
    public DateOnly Day { get; set; }
    public decimal Rate { get; set; }
}

/// <param name="Day">The first day the rate holds (default today).</param>
public sealed record ExchangeRateDto(string? Currency, string? To, decimal? Rate, DateOnly? Day = null);

public sealed record SetRatesRequest(IReadOnlyList<ExchangeRateDto>? Rates);

/// <summary>
/// The workspace's exchange rates, for reporting money in several currencies in one: a report in
/// PLN counts an order in EUR at the EUR→PLN rate of its day (the latest rate from that day or
/// before; the inverse of PLN→EUR when only that is given). Rates are the workspace's own (from its
/// bank or accounting), set by people who manage creators; every change is audited.
/// </summary>
public sealed class ExchangeRateService
{
    public const int MaxRates = 5000;
    private readonly InfluenceDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;

    internal ExchangeRateService(InfluenceDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time)
    {
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
    }

    public async Task<IReadOnlyList<ExchangeRateDto>> ListAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        return (await _db.ExchangeRates.AsNoTracking().Where(r => r.WorkspaceId == actor.WorkspaceId).ToListAsync(ct))
            .OrderBy(r => r.From, StringComparer.Ordinal).ThenBy(r => r.To, StringComparer.Ordinal).ThenByDescending(r => r.Day)
            .Select(r => new ExchangeRateDto(r.From, r.To, r.Rate, r.Day)).ToList();
    }

    /// <summary>Sets rates (a rate for a pair and day replaces the one there); a rate of 0 removes it.</summary>
    public async Task<int> SetAsync(Actor actor, SetRatesRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (request.Rates is not { Count: > 0 and <= MaxRates } rates)
            throw new ValidationException("rates", $"Give 1 to {MaxRates:N0} rates: [{{\"currency\": \"EUR\", \"to\": \"PLN\", \"rate\": 4.27, \"day\": \"2026-12-01\"}}].");
        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        var parsed = new List<ExchangeRate>();
        for (var i = 0; i < rates.Count; i++)
        {
            var r = rates[i];
            var from = Currencies.Parse(r?.Currency);
            var to = Currencies.Parse(r?.To);
            if (from is null)
                errors[$"rates[{i}].currency"] = [$"'{r?.Currency}' is not an ISO 4217 currency code."];
            if (to is null)
                errors[$"rates[{i}].to"] = [$"'{r?.To}' is not an ISO 4217 currency code."];
            else if (from == to)
                errors[$"rates[{i}].to"] = ["A rate is between two different currencies."];
            if (r?.Rate is not { } rate || rate < 0 || rate > 1_000_000_000m || decimal.Round(rate, 10) != rate)
                errors[$"rates[{i}].rate"] = ["rate is 0 (to remove) or a positive number up to 1,000,000,000 with at most 10 decimals."];
            if (r?.Day is { } d && (d.Year < 1990 || d > today.AddDays(1)))
                errors[$"rates[{i}].day"] = ["day is a date from 1990 to today."];
            if (errors.Count == 0)
                parsed.Add(new ExchangeRate { WorkspaceId = actor.WorkspaceId, From = from!, To = to!, Day = r!.Day ?? today, Rate = r.Rate!.Value });
        }
        if (errors.Count > 0)
            throw new ValidationException(errors);
        parsed = parsed.GroupBy(r => (r.From, r.To, r.Day)).Select(g => g.Last()).ToList();
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var pairs = parsed.Select(r => r.From + r.To).Distinct().ToList();
            var existing = (await _db.ExchangeRates.Where(x => x.WorkspaceId == actor.WorkspaceId && pairs.Contains(x.From + x.To)).ToListAsync(c))
                .ToDictionary(x => (x.From, x.To, x.Day));
            foreach (var r in parsed)
            {
                if (existing.TryGetValue((r.From, r.To, r.Day), out var old))
                    _db.ExchangeRates.Remove(old);
                if (r.Rate > 0)
                    _db.ExchangeRates.Add(r);
            }
            return (parsed.Count, (IReadOnlyList<AuditRecord>)[new AuditRecord("exchange_rates.set", "workspace", actor.WorkspaceId.ToString(), null,
                AuditSummary.Of(new { rates = parsed.Count, pairs = parsed.Select(r => r.From + "→" + r.To).Distinct().Take(20) }))]);
        }, ct);
    }

    /// <summary>The workspace's rates into <paramref name="currency"/>, for a report.</summary>
    internal static async Task<RateTable> TableAsync(InfluenceDbContext db, Guid workspace, string currency, CancellationToken ct) =>
        new(currency, await db.ExchangeRates.AsNoTracking().Where(r => r.WorkspaceId == workspace && (r.To == currency || r.From == currency)).ToListAsync(ct));
}

/// <summary>Rates into one currency by day: each other currency's rates, oldest first.</summary>
internal sealed class RateTable
{
    private readonly string _currency;
    private readonly Dictionary<string, List<(DateOnly Day, decimal Rate)>> _into = new(StringComparer.Ordinal);

    internal RateTable(string currency, IEnumerable<ExchangeRate> rates)
    {
        _currency = currency;
        foreach (var r in rates)
        {
            // A direct rate wins over the inverse of the other direction on the same day.
            var (other, rate, direct) = r.To == currency ? (r.From, r.Rate, true) : (r.To, 1m / r.Rate, false);
            if (!_into.TryGetValue(other, out var list))
                _into[other] = list = [];
            var at = list.FindIndex(x => x.Day == r.Day);
            if (at < 0)
                list.Add((r.Day, rate));
            else if (direct)
                list[at] = (r.Day, rate);
        }
        foreach (var list in _into.Values)
            list.Sort((a, b) => a.Day.CompareTo(b.Day));
    }

    public bool IsEmpty => _into.Count == 0;

    /// <summary><paramref name="amount"/> of <paramref name="from"/> on <paramref name="at"/>'s day in the table's currency, or null without a rate from then or before.</summary>
    public decimal? Convert(decimal amount, string from, DateTimeOffset at)
    {
        if (from == _currency)
            return amount;
        if (!_into.TryGetValue(from, out var list))
            return null;
        var day = DateOnly.FromDateTime(at.UtcDateTime);
        decimal? rate = null;
        foreach (var (d, r) in list)
        {
            if (d > day)
                break;
            rate = r;
        }
        return rate is { } x ? amount * x : null;
    }
}
