using System.Collections.Concurrent;

namespace Pulse.Platform.Threading;

/// <summary>
/// Runs tasks on one dedicated thread of lowered priority (see <see cref="BackgroundPriority"/>):
/// for consumers of the event log that may lag behind it, so that under a burst of traffic they
/// take the CPU that requests leave over and catch up afterwards. Awaits inside such a task come
/// back to the same thread, except after library code that leaves its context on purpose.
/// </summary>
public sealed class BackgroundScheduler : TaskScheduler, IDisposable
{
    private readonly BlockingCollection<Task> _queue = [];
    private readonly Thread _thread;
    private readonly int _nice;

    /// <param name="nice">The thread's Linux nice value: 10 (the default) takes about a tenth of the share of a normal thread when the CPU is busy; 0 an equal share.</param>
    public BackgroundScheduler(string name, int nice = BackgroundPriority.DefaultNice)
    {
        _nice = nice;
        _thread = new Thread(Run) { Name = name, IsBackground = true };
        _thread.Start();
    }

    /// <summary>Starts <paramref name="work"/> on the background thread; the task completes when the work does.</summary>
    public Task RunAsync(Func<Task> work, CancellationToken ct) =>
        Task.Factory.StartNew(work, ct, TaskCreationOptions.DenyChildAttach, this).Unwrap();

    private void Run()
    {
        BackgroundPriority.LowerCurrentThread(_nice);
        foreach (var task in _queue.GetConsumingEnumerable())
            TryExecuteTask(task);
    }

    protected override void QueueTask(Task task)
    {
        try
        {
            _queue.Add(task);
        }
        catch (InvalidOperationException)
        {
            // Stopped: what still comes (continuations at shutdown) runs on the thread pool.
            ThreadPool.UnsafeQueueUserWorkItem(_ => TryExecuteTask(task), null);
        }
    }

    protected override bool TryExecuteTaskInline(Task task, bool taskWasPreviouslyQueued) =>
        Thread.CurrentThread == _thread && TryExecuteTask(task);

    protected override IEnumerable<Task> GetScheduledTasks() => _queue.ToArray();

    public override int MaximumConcurrencyLevel => 1;

    /// <summary>Lets the thread finish what is queued and end.</summary>
    public void Dispose() => _queue.CompleteAdding();
}
