using System.Runtime.InteropServices;

namespace Pulse.Platform.Threading;

/// <summary>
/// Lowers the scheduling priority of the calling thread (Linux <c>nice</c> +10), so that work that
/// may lag, such as loading the log into the store, yields the CPU to requests waiting for an
/// answer. Elsewhere, or when the system refuses, nothing changes.
/// </summary>
/// <remarks>
/// Threads created by a lowered thread inherit its priority, and the thread pool may create a
/// worker on the thread that queues work while the pool grows; such threads should queue little.
/// Under a 60 s ingest burst every pool worker was seen at the normal priority (/proc/…/stat).
/// </remarks>
public static partial class BackgroundPriority
{
    private const int PriorityOfProcess = 0; // PRIO_PROCESS: with a thread id, one thread
    public const int DefaultNice = 10;

    public static void LowerCurrentThread(int nice = DefaultNice)
    {
        if (nice <= 0 || !OperatingSystem.IsLinux())
            return;
        try
        {
            _ = SetPriority(PriorityOfProcess, GetThreadId(), nice);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // A C library without these calls: the thread keeps the normal priority.
        }
    }

    [LibraryImport("libc", EntryPoint = "setpriority", SetLastError = true)]
    private static partial int SetPriority(int which, int who, int priority);

    [LibraryImport("libc", EntryPoint = "gettid")]
    private static partial int GetThreadId();
}
