namespace Pulse.Platform.Audit;

/// <summary>The outcome of checking the chain: how many entries were read and the first broken one.</summary>
public sealed record AuditVerification(long EntriesChecked, long? FirstBadEntryId, string? Problem)
{
    public bool Intact => FirstBadEntryId is null;
}
