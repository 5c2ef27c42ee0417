using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Cluster;

namespace Pulse.Influence.Commissions;

/// <summary><c>Commissions</c> settings.</summary>
public sealed class CommissionsOptions
{
    public const string Section = "Commissions";

    /// <summary>Approve pending commissions on their own once their holding period is over (as Rewardful and Tapfiliate do); off: a person approves them.</summary>
    public bool AutoApprove { get; set; } = true;
}

/// <summary>
/// Approves, every minute on one node, the pending commissions whose holding period is over
/// (a flagged one is on hold, so it waits for a person), audited as the system.
/// </summary>
internal sealed partial class CommissionApprover(IServiceScopeFactory scopes, ISingletonJobs jobs, IOptions<CommissionsOptions> options, TimeProvider time,
    ILogger<CommissionApprover> logger) : SingletonJobService(jobs, time)
{
    public const string Job = "influence.commission-approval";

    protected override string JobName => Job;

    protected override TimeSpan Every => TimeSpan.FromMinutes(1);

    protected override bool Enabled => options.Value.AutoApprove;

    protected override Task RunJobAsync(CancellationToken ct) => RunAsync(ct);

    protected override void OnFailed(Exception exception) => LogFailed(logger, exception);

    internal async Task RunAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<InfluenceDbContext>();
        var now = Time.GetUtcNow();
        var workspaces = await db.Commissions.AsNoTracking().Where(k => k.State == CommissionStates.Pending && k.AvailableAt <= now).Select(k => k.WorkspaceId).Distinct().ToListAsync(ct);
        foreach (var ws in workspaces)
        {
            var actor = new Actor(ActorKinds.System, "commission-approval", "system:commission-approval", ws, WorkspaceRole.Owner);
            var done = await scope.ServiceProvider.GetRequiredService<CommissionService>().ApproveDueAsync(actor, ct);
            if (done.Changed > 0)
                LogApproved(logger, done.Changed, ws);
        }
    }

    [LoggerMessage(EventId = 4008, Level = LogLevel.Warning, Message = "Approving due commissions failed; trying again in a minute")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4009, Level = LogLevel.Information, Message = "Approved {Count} commissions of workspace {Workspace} past their holding period")]
    private static partial void LogApproved(ILogger logger, int count, Guid workspace);
}
