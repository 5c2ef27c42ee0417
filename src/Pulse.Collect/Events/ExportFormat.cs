namespace Pulse.Collect.Events;

public enum ExportFormat
{
    Jsonl,
    Csv,
    Parquet,
}
