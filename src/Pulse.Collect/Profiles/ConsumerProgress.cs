namespace Pulse.Collect.Profiles;

/// <summary>How far a consumer that keeps its state in the metadata store has read the log; written in the same transaction as that state.</summary>
internal sealed class ConsumerProgress
{
    public required string Consumer { get; set; }
    public long Seq { get; set; }
}
