namespace Pulse.Collect.Log;

/// <summary>The log could not store a request (disk full, file damaged, shutting down); the client should retry.</summary>
internal sealed class LogUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
