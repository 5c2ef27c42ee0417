namespace Pulse.Hosting;

/// <summary>A failure to report to the operator in one line, with exit code 1 (or 2 for bad usage).</summary>
internal sealed class CliException(string message, int exitCode = 1) : Exception(message)
{
    public int ExitCode { get; } = exitCode;
}
