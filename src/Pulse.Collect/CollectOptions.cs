using System.ComponentModel.DataAnnotations;

namespace Pulse.Collect;

/// <summary>Section <c>Collect</c>: limits and tuning of event ingestion and the event log.</summary>
public sealed class CollectOptions
{
    public const string Section = "Collect";

    /// <summary>Default largest event (bytes of its JSON), as Segment's 32 KB; a source may set its own.</summary>
    [Range(1024, 1024 * 1024)]
    public int MaxEventBytes { get; set; } = 32 * 1024;

    /// <summary>Default largest request body after decompression, as Segment's 500 KB; a source may set its own.</summary>
    [Range(4 * 1024, 16 * 1024 * 1024)]
    public int MaxBatchBytes { get; set; } = 500 * 1024;

    /// <summary>No source may raise its batch limit above this; bodies are read up to it before the write key is known.</summary>
    [Range(4 * 1024, 64 * 1024 * 1024)]
    public int MaxBatchBytesCeiling { get; set; } = 4 * 1024 * 1024;

    /// <summary>Default events per second a source may send (token bucket refill); 0 means no limit.</summary>
    [Range(0, 100_000_000)]
    public int RateLimitPerSecond { get; set; } = 0;

    /// <summary>Days a message id is remembered per source for deduplication.</summary>
    [Range(1, 90)]
    public int DedupWindowDays { get; set; } = 7;

    /// <summary>
    /// Message ids each day's slice of the in-memory filter is sized for (1% false positives at
    /// this many; beyond it the filter answers "maybe" more often and the exact check in the log
    /// runs more, but memory stays fixed).
    /// </summary>
    [Range(1000, 1_000_000_000)]
    public int DedupExpectedPerDay { get; set; } = 2_000_000;

    /// <summary>Most events one group commit writes.</summary>
    [Range(1, 1_000_000)]
    public int CommitMaxEvents { get; set; } = 50_000;

    /// <summary>
    /// Acknowledged events that may wait in the segment files for the loader (about 1.2 KB of disk
    /// each, so 2.4 GB at the default): a burst faster than DuckDB absorbs is acknowledged at disk
    /// speed and loaded afterwards; beyond this the writer waits and acknowledgements slow down.
    /// </summary>
    [Range(1000, 100_000_000)]
    public int MaxUnloadedEvents { get; set; } = 2_000_000;

    /// <summary>
    /// Embedded mode: memory for the newest acknowledged events (MiB), from which destinations read
    /// what just arrived without waiting for the store's loader. 0 turns it off (they read the store only).
    /// </summary>
    [Range(0, 4096)]
    public int RecentEventsMiB { get; set; } = 64;

    /// <summary>DuckDB's memory limit for the event log (<c>512MB</c>, <c>2GB</c> …).</summary>
    [RegularExpression(@"^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$", ErrorMessage = "Collect:DuckDbMemoryLimit must look like 512MB or 2GB.")]
    public string DuckDbMemoryLimit { get; set; } = "512MB";

    /// <summary>Size of the write-ahead log at which DuckDB folds it into the database file.</summary>
    [RegularExpression(@"^\d+(\.\d+)?\s*(KB|MB|GB|KiB|MiB|GiB)$", ErrorMessage = "Collect:CheckpointThreshold must look like 256MB or 1GB.")]
    public string CheckpointThreshold { get; set; } = "256MB";

    /// <summary>
    /// Worker threads DuckDB may use for the event log (its loads, checkpoints and queries). Unset:
    /// half the machine's cores, at least one, so the request threads and the profile builder keep
    /// the rest. With both of a 2-core machine's cores DuckDB's checkpoints starved the profile
    /// builder under sustained ingest (bench/run.sh ingest: builder lag grew to 40k at 10k events/s
    /// with 2 threads, stayed under 4k with 1; see docs/architecture.md).
    /// </summary>
    [Range(1, 256)]
    public int? DuckDbThreads { get; set; }

    /// <summary>The thread count DuckDB is given: <see cref="DuckDbThreads"/>, or half the cores.</summary>
    public int EffectiveDuckDbThreads => DuckDbThreads ?? Math.Max(1, Environment.ProcessorCount / 2);

    /// <summary>Optional MaxMind-format (.mmdb) database that maps client IPs to countries.</summary>
    public string? GeoIpDatabase { get; set; }

    /// <summary>Seconds a looked-up write key is trusted before it is read again (so a disabled source stops within this).</summary>
    [Range(0, 3600)]
    public int SourceCacheSeconds { get; set; } = 5;

    /// <summary>
    /// Cluster mode: partitions of the profile builder's work (by a hash of the workspace id), each
    /// leased to one node at a time. More partitions spread the work over more nodes. Changing it
    /// on a running cluster restarts the builder's partitions from the start of the log.
    /// </summary>
    [Range(1, 256, ErrorMessage = "Collect:ProfilePartitions must be between 1 and 256.")]
    public int ProfilePartitions { get; set; } = 8;

    /// <summary>
    /// Days of events kept (today and the days before it): in cluster mode older days' partitions
    /// are dropped whole by the maintenance job, in embedded mode older events are deleted from the
    /// DuckDB log by the retention job. 0 (the default) keeps everything.
    /// </summary>
    [Range(0, 36500, ErrorMessage = "Collect:RetentionDays must be between 0 (keep everything) and 36500.")]
    public int RetentionDays { get; set; }

    /// <summary>Seconds between runs of the log's maintenance job (cluster: partitions ahead, retention, the dedup window; embedded: retention).</summary>
    [Range(1, 86400, ErrorMessage = "Collect:MaintenanceSeconds must be between 1 and 86400.")]
    public int MaintenanceSeconds { get; set; } = 600;

    /// <summary>Minutes between volume anomaly checks of the last complete hour; 0 turns them off.</summary>
    [Range(0, 1440)]
    public int AnomalyCheckMinutes { get; set; } = 5;

    /// <summary>Weeks of the same hour-of-week an hour is compared with (at least two must have data).</summary>
    [Range(2, 12)]
    public int AnomalyWeeks { get; set; } = 4;

    /// <summary>Events per hour an event must usually have before its volume can raise an alert; quieter ones are noise.</summary>
    [Range(1, 100_000_000)]
    public int AnomalyMinExpected { get; set; } = 20;

    /// <summary>How many spreads an hour may stray from the usual before it alerts.</summary>
    [Range(1.0, 20.0)]
    public double AnomalyTolerance { get; set; } = 4;
}
