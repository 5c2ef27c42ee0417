using System.Text.Json;
using Pulse.Platform.Privacy;

namespace Pulse.Collect.Quarantine;

/// <summary>The quarantine's part of a data-subject request: held messages sent with one of the person's ids.</summary>
internal sealed class QuarantineSubjectStep(QuarantineService quarantine) : IDataSubjectStep
{
    public string Name => "quarantine";

    public async Task ExportAsync(DataSubject subject, Utf8JsonWriter writer, CancellationToken ct)
    {
        var rows = await quarantine.ExportAsync(subject.WorkspaceId, subject.UserIds, subject.AnonymousIds, ct);
        JsonSerializer.Serialize(writer, rows, CollectJsonContext.Default.IReadOnlyListQuarantineDto);
    }

    public async Task<long> EraseAsync(DataSubject subject, CancellationToken ct) =>
        await quarantine.EraseAsync(subject.WorkspaceId, subject.UserIds, subject.AnonymousIds, ct);
}
