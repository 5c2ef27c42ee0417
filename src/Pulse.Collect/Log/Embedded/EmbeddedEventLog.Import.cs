namespace Pulse.Collect.Log;

internal sealed partial class EmbeddedEventLog
{
    /// <summary>Rows per import transaction: more than a DuckDB row group, so the data goes to the file compressed, not through the WAL.</summary>
    private const int ImportChunk = 131_072;

    /// <summary>
    /// Bulk-loads records (demo data, imports) before the server starts taking events: sequence
    /// numbers continue the log, rows go straight to the wide table in large transactions. Message
    /// ids are not checked against the log; the caller gives unique ones.
    /// </summary>
    internal override Task<long> ImportAsync(IEnumerable<LogRecord> records, IProgress<long>? progress, CancellationToken ct)
    {
        if (_started)
            throw new InvalidOperationException("Import runs before the log starts taking events.");
        _duck.EnsureOpen();
        using var c = _duck.Open();
        var head = DuckDbEventStore.ReadHead(c);
        long done = 0;
        foreach (var chunk in InChunks(records, ImportChunk, ct))
        {
            using (var tx = c.BeginTransaction())
            {
                using (var appender = c.CreateAppender("events"))
                {
                    foreach (var r in chunk)
                    {
                        r.Seq = ++head;
                        DuckDbEventStore.AppendPacked(appender, r.Seq, r.Packed ?? r.Pack());
                    }
                }
                tx.Commit();
            }
            done += chunk.Count;
            progress?.Report(done);
        }
        DuckDbEventStore.WriteHead(c, head);
        return Task.FromResult(done);
    }
}
