namespace Pulse.Collect.Log;

/// <summary>A record read back from a segment file (its bytes copied out of the read buffer).</summary>
internal readonly record struct PackedRecord(long Seq, byte[] Packed);
