using System.Text.Json;

namespace Pulse.Platform.Privacy;

/// <summary>
/// A module's part of answering a data-subject request. Each module that keeps data about people
/// registers one (<c>services.AddSingleton&lt;IDataSubjectStep, …&gt;()</c>); an export asks every
/// step for what it holds and an erasure asks every step to delete it, recording the counts.
/// </summary>
public interface IDataSubjectStep
{
    /// <summary>A short stable name: the property in the export and the key in the erasure record.</summary>
    string Name { get; }

    /// <summary>Writes one JSON value (usually an array) with everything the module holds about the person.</summary>
    Task ExportAsync(DataSubject subject, Utf8JsonWriter writer, CancellationToken ct);

    /// <summary>Deletes everything the module holds about the person; returns how many items were removed.</summary>
    Task<long> EraseAsync(DataSubject subject, CancellationToken ct);
}
