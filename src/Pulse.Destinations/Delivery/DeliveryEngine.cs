using System.Collections.Concurrent;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pulse.Collect.Log;
using Pulse.Collect.Profiles;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Connectors;
using Pulse.Destinations.Mapping;
using Pulse.Destinations.Storage;
using Pulse.Platform.Cluster;

namespace Pulse.Destinations.Delivery;

/// <summary>
/// Runs a <see cref="DestinationWorker"/> for every enabled destination this node is responsible
/// for, and restarts it when its config changes. In cluster mode destinations are spread over the
/// nodes by a hash of their id over the lease group <c>destinations</c>, so each one is delivered
/// by one node at a time and moves to another within a lease period when its node dies.
/// </summary>
internal sealed partial class DeliveryEngine(
    EventLog log, IServiceScopeFactory scopes, DeliveryStore store, ILeases leases, IOptions<DestinationsOptions> options,
    IDataProtectionProvider protection, TimeProvider time, DeliveryMetrics metrics, ILoggerFactory loggers, Pulse.Platform.Alerts.IAlerts alerts,
    DeliveryClients clients, ConsentOrder consent) : BackgroundService
{
    public const string LeaseGroupName = "destinations";
    private readonly ConcurrentDictionary<Guid, DestinationWorker> _workers = new();
    private readonly ConcurrentDictionary<Guid, string> _problems = new();
    private readonly ILogger _logger = loggers.CreateLogger<DeliveryEngine>();
    private readonly IDataProtector _protector = protection.CreateProtector(DestinationService.SecretsPurpose);
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The worker of a destination when this node runs it.</summary>
    public DestinationWorker? Worker(Guid id) => _workers.GetValueOrDefault(id);

    /// <summary>Why a destination is not running although enabled (no connector yet, a saved config that no longer passes), or null.</summary>
    public string? Problem(Guid id) => _problems.GetValueOrDefault(id);

    /// <summary>Destinations changed (created, edited, deleted) or work was queued: look again now.</summary>
    public void Signal(Guid? id = null)
    {
        if (id is { } d && _workers.TryGetValue(d, out var w))
            w.Wake();
        Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var o = options.Value;
        var group = leases.Join(LeaseGroupName, o.Partitions);
        metrics.Observe(() => _workers.Values);
        var writer = store.RunWriterAsync(stoppingToken);
        var lastPrune = long.MinValue;
        var lastAlertCheck = time.GetTimestamp();
        var watcher = new DeliveryAlerts(alerts, o);
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var changed = Volatile.Read(ref _changed).Task;
                var leaseChange = group.Changed;
                try
                {
                    var enabled = await RefreshAsync(group.Owned, o, stoppingToken);
                    if (time.GetElapsedTime(lastAlertCheck) >= o.AlertCheckInterval)
                    {
                        lastAlertCheck = time.GetTimestamp();
                        await watcher.CheckAsync(_workers.Values.ToList(), enabled, stoppingToken);
                    }
                    if (lastPrune == long.MinValue || time.GetElapsedTime(lastPrune) >= TimeSpan.FromHours(1))
                    {
                        lastPrune = time.GetTimestamp();
                        await store.PruneAsync(time.GetUtcNow() - TimeSpan.FromDays(o.DeliveryLogDays), stoppingToken);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    LogRefreshFailed(_logger, e);
                }
                await Task.WhenAny(changed, leaseChange).WaitAsync(o.RefreshInterval < o.AlertCheckInterval ? o.RefreshInterval : o.AlertCheckInterval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        finally
        {
            await Task.WhenAll(_workers.Values.Select(w => w.DisposeAsync().AsTask()));
            _workers.Clear();
            await writer;
        }
    }

    /// <summary>Starts, restarts and stops workers to match the enabled destinations this node holds; returns the ids of every enabled destination.</summary>
    private async Task<IReadOnlySet<Guid>> RefreshAsync(IReadOnlyDictionary<int, long> owned, DestinationsOptions o, CancellationToken ct)
    {
        List<Destination> rows;
        await using (var scope = scopes.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<DestinationsDbContext>();
            rows = await db.Destinations.AsNoTracking().Where(d => d.Enabled).ToListAsync(ct);
        }
        var wanted = rows.Where(r => owned.ContainsKey(PartitionOf(r.Id, o.Partitions))).ToDictionary(r => r.Id);
        foreach (var (id, worker) in _workers)
        {
            if (!wanted.TryGetValue(id, out var row) || row.UpdatedAt != worker.Version)
            {
                _workers.TryRemove(id, out _);
                await worker.DisposeAsync();
            }
        }
        foreach (var id in _problems.Keys.Where(id => !wanted.ContainsKey(id)).ToList())
            _problems.TryRemove(id, out _);
        foreach (var row in wanted.Values)
        {
            if (_workers.ContainsKey(row.Id))
                continue;
            var (settings, signing, problem) = DestinationService.Load(row, _protector, clients.Targets.AllowPrivate);
            var connector = settings is null ? null : Connector.For(settings.Type);
            if (settings is null || connector is null)
            {
                _problems[row.Id] = problem ?? $"Pulse has no {row.Type} connector yet; events stay in the log until it has one.";
                continue;
            }
            _problems.TryRemove(row.Id, out _);
            var cursor = await store.CursorAsync(row.Id, ct);
            if (cursor is null)
            {
                // A new destination's queue starts with the events received since it was created (older ones come by a replay).
                // Everything acknowledged so far must be readable first, or events still on their way into the store
                // would fall on the wrong side of the start.
                var acknowledged = log.Head;
                await log.CaughtUpAsync(TimeSpan.FromSeconds(5), ct);
                if (log.ReadableHead < acknowledged)
                    continue;
                var since = await log.PositionsReceivedAsync(row.WorkspaceId, row.CreatedAt, DateTimeOffset.MaxValue, ct);
                cursor = new DestinationCursor { DestinationId = row.Id, Seq = since is { } r ? r.First - 1 : acknowledged };
                await store.SaveCursorAsync(row.Id, cursor.Seq, null, ct);
            }
            var worker = new DestinationWorker(row, settings, connector, signing, log, consent, scopes, store, clients.Client, o, time, metrics,
                loggers.CreateLogger($"Pulse.Destinations.Delivery.{row.Type}"));
            worker.Start(cursor.Seq, cursor.FailingSince);
            _workers[row.Id] = worker;
        }
        return rows.Select(r => r.Id).ToHashSet();
    }

    /// <summary>The partition of the lease group a destination belongs to (stable across nodes and restarts).</summary>
    public static int PartitionOf(Guid id, int partitions)
    {
        Span<byte> bytes = stackalloc byte[16];
        id.TryWriteBytes(bytes);
        var hash = System.IO.Hashing.XxHash32.HashToUInt32(bytes);
        return (int)(hash % (uint)partitions);
    }

    [LoggerMessage(EventId = 3000, Level = LogLevel.Error, Message = "Could not refresh the destinations this node delivers")]
    private static partial void LogRefreshFailed(ILogger logger, Exception e);
}
