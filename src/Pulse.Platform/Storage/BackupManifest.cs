namespace Pulse.Platform.Storage;

/// <summary>The first entry of a backup archive: what it holds and the SHA-256 of each file.</summary>
public sealed record BackupManifest(string Format, int Version, DateTimeOffset CreatedAt, IReadOnlyList<BackupFile> Files)
{
    public const string FormatName = "pulse-backup";
    public const int CurrentVersion = 1;
    public const string EntryName = "manifest.json";
}

public sealed record BackupFile(string Name, long Size, string Sha256);
