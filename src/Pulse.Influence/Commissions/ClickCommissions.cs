using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pulse.Collect.Events;
using Pulse.Influence.Creators;
using Pulse.Influence.Links;
using Pulse.Influence.Storage;
using Pulse.Platform.Cluster;

namespace Pulse.Influence.Commissions;

/// <summary>
/// Pays click rules (<c>{"on": "click", "type": "flat", "value": 0.05}</c>): once a UTC day is over,
/// each member creator of a program with such a rule earns its value per person who clicked their
/// links that day (distinct visitors, bots left out), as one pending commission for the day with the
/// count as its base. Runs every ten minutes on one node; a day is paid once, so restarts and a
/// second node change nothing. Days up to <see cref="DaysBack"/> back are caught up.
/// </summary>
internal sealed partial class ClickCommissions(IServiceScopeFactory scopes, ISingletonJobs jobs, TimeProvider time, ILogger<ClickCommissions> logger)
    : SingletonJobService(jobs, time)
{
    public const string Job = "influence.click-commissions";
    public const string Kind = "click";
    public const int DaysBack = 35;

    protected override string JobName => Job;

    protected override TimeSpan Every => TimeSpan.FromMinutes(10);

    protected override Task RunJobAsync(CancellationToken ct) => RunAsync(ct);

    protected override void OnFailed(Exception exception) => LogFailed(logger, exception);

    /// <summary>One run at a time in this process (the timer's and a caller's); the singleton job keeps other nodes out.</summary>
    private readonly SemaphoreSlim _gate = new(1, 1);

    internal async Task RunAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            await PayAsync(ct);
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task PayAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InfluenceDbContext>();
        var counts = scope.ServiceProvider.GetRequiredService<TrackedCounts>();
        var now = Time.GetUtcNow();
        var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
        var programs = (await db.Programs.AsNoTracking().Where(p => p.Enabled).ToListAsync(ct))
            .Select(p => (Program: p, Rule: (JsonSerializer.Deserialize(p.Rules, CommissionsStoreJson.Default.ListCommissionRuleDto) ?? []).FirstOrDefault(r => r.On == Kind)))
            .Where(x => x.Rule is { Value: > 0 }).ToList();
        var paid = 0;
        foreach (var (program, rule) in programs)
        {
            var members = await db.ProgramMembers.AsNoTracking().Where(m => m.ProgramId == program.Id).ToListAsync(ct);
            var banned = await db.Creators.AsNoTracking().Where(c => c.WorkspaceId == program.WorkspaceId && c.Status == CreatorStatus.Banned).Select(c => c.Id).ToListAsync(ct);
            foreach (var m in members.Where(m => !banned.Contains(m.CreatorId)))
            {
                var first = Max(today.AddDays(-DaysBack), new DateTimeOffset(Max(program.CreatedAt, m.JoinedAt).UtcDateTime.Date, TimeSpan.Zero));
                if (first >= today)
                    continue;
                var done = (await db.Commissions.AsNoTracking().Where(k => k.ProgramId == program.Id && k.CreatorId == m.CreatorId && k.Kind == Kind && k.EarnedAt >= first)
                    .Select(k => k.EarnedAt).ToListAsync(ct)).Select(d => d.UtcDateTime.Date).ToHashSet();
                if (Enumerable.Range(0, (today - first).Days).All(i => done.Contains(first.AddDays(i).UtcDateTime.Date)))
                    continue;
                var people = await counts.DailyPeopleAsync(program.WorkspaceId, LinkService.ClickEvent, "creatorId", m.CreatorId.ToString(), first, today, ct);
                for (var day = first; day < today; day = day.AddDays(1))
                {
                    if (done.Contains(day.UtcDateTime.Date) || people.GetValueOrDefault(day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture)) is not (> 0 and var n))
                        continue;
                    db.Commissions.Add(new Commission
                    {
                        Id = Guid.CreateVersion7(now), WorkspaceId = program.WorkspaceId, ProgramId = program.Id, CreatorId = m.CreatorId, Kind = Kind, RateType = "flat",
                        Rate = rule!.Value!.Value, Base = n, Amount = decimal.Round(n * rule.Value.Value, 2), Currency = program.Currency, State = CommissionStates.Pending,
                        EarnedAt = day, AvailableAt = day.AddDays(1 + program.HoldDays), UpdatedAt = now,
                        Note = $"{n:N0} people clicked the creator's links on {day:yyyy-MM-dd}",
                    });
                    paid++;
                }
            }
        }
        if (paid > 0)
        {
            await db.SaveChangesAsync(ct);
            LogEarned(logger, paid);
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;

    public override void Dispose()
    {
        _gate.Dispose();
        base.Dispose();
    }

    [LoggerMessage(EventId = 4010, Level = LogLevel.Warning, Message = "Paying click commissions failed; trying again in ten minutes")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information, Message = "Earned {Count} daily click commissions")]
    private static partial void LogEarned(ILogger logger, int count);
}
