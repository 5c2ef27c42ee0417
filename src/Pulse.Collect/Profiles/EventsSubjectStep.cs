using System.Text.Json;
using Pulse.Collect.Log;
using Pulse.Platform.Privacy;

namespace Pulse.Collect.Profiles;

/// <summary>The event log's part of a data-subject request: every event sent with one of the person's ids.</summary>
internal sealed class EventsSubjectStep(EventLog log) : IDataSubjectStep
{
    public string Name => "events";

    public Task ExportAsync(DataSubject subject, Utf8JsonWriter writer, CancellationToken ct) =>
        log.ExportAsync(subject.WorkspaceId, subject.AllIds, writer, ct);

    public Task<long> EraseAsync(DataSubject subject, CancellationToken ct) =>
        log.EraseAsync(subject.WorkspaceId, subject.AllIds, ct);
}
