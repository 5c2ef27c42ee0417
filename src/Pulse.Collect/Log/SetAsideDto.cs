namespace Pulse.Collect.Log;

/// <summary>
/// An acknowledged event the store could not load, set aside with the error so that the events
/// after it load; it can be replayed once the cause is fixed.
/// </summary>
/// <param name="Seq">The sequence number it was given (a replay gives it a new one).</param>
/// <param name="SourceId">Its source, message id and arrival, when the record could be read that far.</param>
/// <param name="Attempts">How many times loading it was tried (the loader's tries and each replay).</param>
public sealed record SetAsideDto(
    long Seq,
    Guid? SourceId,
    string? MessageId,
    DateTime? ReceivedAt,
    DateTime SetAsideAt,
    int Attempts,
    string Error);
