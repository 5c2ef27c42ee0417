using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pulse.Collect.Log;
using Pulse.Platform.Alerts;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Tests.Log;

/// <summary>The embedded loader never stalls on a record the store refuses, and never dies of an unexpected error.</summary>
[Trait("Storage", "embedded")]
public sealed class LoaderFailureTests : IDisposable
{
    private static readonly Guid Ws = Guid.Parse("01a21b35-0000-7000-8000-0000000000c1");
    private static readonly Guid Web = Guid.Parse("01a21b35-0000-7000-8000-0000000000c2");
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private readonly string _dir = Directory.CreateTempSubdirectory("pulse-loader-test-").FullName;

    private static LogRecord Record(string id) => TestLogs.Order(Ws, Web, id, new DateTime(2026, 11, 27, 10, 0, 1, DateTimeKind.Utc));

    /// <summary>A record whose timestamp field is not a number: the store can never load it.</summary>
    private static LogRecord Malformed(string id)
    {
        var r = Record(id);
        var packed = r.Pack();
        Span<Range> fields = stackalloc Range[LogRecord.PackedFields];
        LogRecord.Split(0, packed, fields);
        var (offset, length) = fields[9].GetOffsetAndLength(packed.Length);
        r.Packed = [.. packed.AsSpan(0, offset), .. "not-a-time"u8, .. packed.AsSpan(offset + length)];
        r.DedupHash = DedupFilter.Hash(r.SourceId, r.MessageId);
        return r;
    }

    private EmbeddedEventLog Open(DuckDbEventStore store, ILogger<EventLog>? logger = null)
    {
        return TestLogs.Create(store, Options.Create(new CollectOptions { DuckDbMemoryLimit = "256MB" }), TimeProvider.System, logger);
    }

    private DuckDbEventStore Store() => new(new DataDirectory(_dir), Options.Create(new CollectOptions { DuckDbMemoryLimit = "256MB" }));

    private static async Task CaughtUpAsync(EventLog log)
    {
        await log.CaughtUpAsync(Deadline, default);
        Assert.Equal(log.Head, log.ReadableHead);
    }

    [Fact]
    public async Task RecordTheStoreRefuses_IsSetAsideWithItsError_TheOthersLoad_AnAlertIsRaised_AndReplayStoresItOnceFixed()
    {
        var alerts = new RecordingAlerts();
        await using var services = new ServiceCollection().AddScoped<IAlerts>(_ => alerts).BuildServiceProvider();
        using (var store = Store())
        {
            var log = Open(store);
            log.RefuseLoadHook = seq => seq == 2;
            await log.StartAsync(default);
            try
            {
                // One frame with the bad record in the middle, then another frame after it.
                await log.AppendAsync([Record("m-1"), Record("m-2"), Record("m-3")], default);
                await log.AppendAsync([Record("m-4")], default);
                await CaughtUpAsync(log);

                Assert.Equal(4, log.Head);
                var read = await log.ReadAsync(0, 100, default);
                Assert.Equal(["m-1", "m-3", "m-4"], read.Select(e => e.MessageId));
                Assert.Equal([1L, 3L, 4L], read.Select(e => e.Seq));
                var setAside = Assert.Single(log.ListSetAside(Ws, 100));
                Assert.Equal((2L, "m-2", Web), (setAside.Seq, setAside.MessageId, setAside.SourceId));
                Assert.Contains("refused", setAside.Error, StringComparison.Ordinal);

                var monitor = new SetAsideAlerts(log, services.GetRequiredService<IServiceScopeFactory>(), NullLogger<SetAsideAlerts>.Instance);
                Assert.Equal(1, await monitor.RunOnceAsync(default));
                var raised = Assert.Single(alerts.Open);
                Assert.Equal((Ws, SetAsideAlerts.Key), raised.Key);
                Assert.Equal(SetAsideAlerts.Kind, raised.Value.Kind);
                Assert.Equal(1, raised.Value.Figures["count"]);
            }
            finally
            {
                await log.StopAsync(default);
                log.Dispose();
            }
        }

        // The set-aside record survives a restart; replaying it while the cause lasts keeps it.
        using (var store = Store())
        {
            var log = Open(store);
            log.RefuseLoadHook = seq => seq == 2;
            await log.StartAsync(default);
            try
            {
                Assert.Equal(4, log.Head);
                Assert.Equal(new SetAsideReplayResult(0, 0, 1), await log.ReplaySetAsideAsync(Ws, null, default));
                Assert.Equal(3, Assert.Single(log.ListSetAside(Ws, 100)).Attempts);

                // The cause fixed, the replay appends it to the log under a new number, so every consumer sees it.
                log.RefuseLoadHook = null;
                Assert.Equal(new SetAsideReplayResult(1, 0, 0), await log.ReplaySetAsideAsync(Ws, null, default));
                await CaughtUpAsync(log);
                Assert.Empty(log.ListSetAside(Ws, 100));
                var replayed = await log.ReadAsync(4, 100, default);
                Assert.Equal(("m-2", 5L), (Assert.Single(replayed).MessageId, replayed[0].Seq));
                Assert.Equal(["m-1", "m-3", "m-4", "m-2"], (await log.ReadAsync(0, 100, default)).Select(e => e.MessageId));

                var monitor = new SetAsideAlerts(log, services.GetRequiredService<IServiceScopeFactory>(), NullLogger<SetAsideAlerts>.Instance);
                Assert.Equal(0, await monitor.RunOnceAsync(default));
                Assert.Empty(alerts.Open);
            }
            finally
            {
                await log.StopAsync(default);
                log.Dispose();
            }
        }
    }

    [Fact]
    public async Task MalformedRecord_IsSetAside_AndAReplayReportsItStillFailing()
    {
        using var store = Store();
        var log = Open(store);
        await log.StartAsync(default);
        try
        {
            await log.AppendAsync([Record("m-1"), Malformed("m-bad"), Record("m-2")], default);
            await CaughtUpAsync(log);

            Assert.Equal(["m-1", "m-2"], (await log.ReadAsync(0, 100, default)).Select(e => e.MessageId));
            var setAside = Assert.Single(log.ListSetAside(Ws, 100));
            Assert.Equal((2L, "m-bad"), (setAside.Seq, setAside.MessageId));
            Assert.Contains("malformed time", setAside.Error, StringComparison.Ordinal);
            Assert.Empty(log.ListSetAside(Guid.NewGuid(), 100));

            Assert.Equal(new SetAsideReplayResult(0, 0, 1), await log.ReplaySetAsideAsync(Ws, 2, default));
            Assert.Single(log.ListSetAside(Ws, 100));

            // An erasure of the person takes the set-aside copy too.
            Assert.Equal(1, await log.EraseAsync(Ws, ["u-m-bad"], default));
            Assert.Empty(log.ListSetAside(Ws, 100));
        }
        finally
        {
            await log.StopAsync(default);
            log.Dispose();
        }
    }

    [Fact]
    public async Task MalformedRecordLeftInTheSegments_IsSetAsideAtOpen_InsteadOfKeepingTheLogShut()
    {
        using (var store = Store())
        {
            var log = Open(store);
            // The loader refuses everything, so the frame is still only in the segment file when the log stops.
            log.RefuseLoadHook = _ => true;
            await log.StartAsync(default);
            await log.AppendAsync([Record("m-1"), Malformed("m-bad"), Record("m-2")], default);
            await log.StopAsync(default);
            log.Dispose();
            Assert.Equal(0, log.ReadableHead);
        }

        using (var store = Store())
        {
            var log = Open(store);
            await log.StartAsync(default);
            try
            {
                Assert.Equal(3, log.ReadableHead);
                Assert.Equal(["m-1", "m-2"], (await log.ReadAsync(0, 100, default)).Select(e => e.MessageId));
                Assert.Equal(2, Assert.Single(log.ListSetAside(null, 100)).Seq);
            }
            finally
            {
                await log.StopAsync(default);
                log.Dispose();
            }
        }
    }

    [Fact]
    public async Task UnexpectedExceptionInTheLoader_IsLogged_AndLoadingGoesOn()
    {
        using var store = Store();
        var logger = new RecordingLogger();
        var log = Open(store, logger);
        var thrown = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        log.LoaderRoundHook = () =>
        {
            if (thrown.TrySetResult())
                throw new InvalidCastException("unexpected");
        };
        await log.StartAsync(default);
        try
        {
            await thrown.Task.WaitAsync(Deadline);
            await log.AppendAsync([Record("m-1"), Record("m-2")], default);
            await CaughtUpAsync(log);

            Assert.Equal(["m-1", "m-2"], (await log.ReadAsync(0, 100, default)).Select(e => e.MessageId));
            Assert.Contains(logger.Errors, e => e is InvalidCastException);
        }
        finally
        {
            await log.StopAsync(default);
            log.Dispose();
        }
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
    }

    private sealed class RecordingLogger : ILogger<EventLog>
    {
        private readonly List<Exception> _errors = [];

        public IReadOnlyList<Exception> Errors
        {
            get
            {
                lock (_errors)
                    return [.. _errors];
            }
        }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (exception is not null)
            {
                lock (_errors)
                    _errors.Add(exception);
            }
        }
    }

    private sealed class RecordingAlerts : IAlerts
    {
        public Dictionary<(Guid, string), AlertRaise> Open { get; } = [];

        public Task<AlertDto> RaiseAsync(AlertRaise alert, CancellationToken ct)
        {
            Open[(alert.WorkspaceId, alert.Key)] = alert;
            return Task.FromResult<AlertDto>(null!);
        }

        public Task<bool> ClearAsync(Guid workspaceId, string key, CancellationToken ct) => Task.FromResult(Open.Remove((workspaceId, key)));

        public Task<IReadOnlyList<(Guid WorkspaceId, string Key)>> OpenKeysAsync(string kind, CancellationToken ct) =>
            Task.FromResult<IReadOnlyList<(Guid, string)>>(Open.Where(a => a.Value.Kind == kind).Select(a => a.Key).ToList());
    }
}
