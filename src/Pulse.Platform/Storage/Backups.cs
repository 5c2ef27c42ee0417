using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Pulse.Platform.Storage;

/// <summary>
/// Consistent copies of a data directory while it is in use, and their restore. The SQLite file is
/// copied with SQLite's online backup API (a snapshot even while the server writes); the archive
/// is a zip with a manifest of SHA-256 sums, written under a temporary name and renamed when whole.
/// </summary>
public sealed class Backups(DataDirectory data, TimeProvider time)
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };
    private static readonly string[] SkippedSuffixes = ["-wal", "-shm", "-journal", ".partial", ".tmp"];

    /// <param name="progress">Receives (bytes done, bytes total).</param>
    public async Task<BackupManifest> CreateAsync(string archivePath, bool overwrite, IProgress<(long Done, long Total)>? progress, CancellationToken ct)
    {
        var target = CheckArchivePath(archivePath, forWriting: true);
        if (File.Exists(target) && !overwrite)
            throw new IOException($"{target} exists; pass --force to overwrite it.");
        if (!File.Exists(data.DatabasePath))
            throw new IOException($"{data.Path} holds no Pulse database to back up.");

        var staging = Directory.CreateTempSubdirectory("pulse-backup-");
        try
        {
            var snapshot = Path.Combine(staging.FullName, DataDirectory.DatabaseFileName);
            using (var source = new SqliteConnection(data.SqliteConnectionString))
            using (var copy = new SqliteConnection($"Data Source={snapshot};Pooling=False"))
            {
                source.Open();
                copy.Open();
                source.BackupDatabase(copy);
            }
            var files = new List<(string Name, string Path)> { (DataDirectory.DatabaseFileName, snapshot) };
            foreach (var file in Directory.EnumerateFiles(data.Path))
            {
                var name = Path.GetFileName(file);
                if (name is DataDirectory.DatabaseFileName or DataDirectory.LockFileName or DataDirectory.ServerInfoFileName or ApiKeys.LocalAdminToken.FileName
                    || SkippedSuffixes.Any(s => name.EndsWith(s, StringComparison.Ordinal)))
                    continue;
                var staged = Path.Combine(staging.FullName, name);
                File.Copy(file, staged);
                files.Add((name, staged));
            }

            var total = files.Sum(f => new FileInfo(f.Path).Length);
            long done = 0;
            var entries = new List<BackupFile>();
            var partial = target + ".partial";
            await using (var zipStream = new FileStream(partial, FileMode.Create, FileAccess.Write, FileShare.None))
            await using (var zip = new ZipArchive(zipStream, ZipArchiveMode.Create))
            {
                foreach (var (name, path) in files)
                {
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
                    await using (var output = await entry.OpenAsync(ct))
                    await using (var input = File.OpenRead(path))
                    {
                        var buffer = new byte[1 << 16];
                        int n;
                        while ((n = await input.ReadAsync(buffer, ct)) > 0)
                        {
                            sha.AppendData(buffer, 0, n);
                            await output.WriteAsync(buffer.AsMemory(0, n), ct);
                            done += n;
                            progress?.Report((done, total));
                        }
                    }
                    entries.Add(new BackupFile(name, new FileInfo(path).Length, Convert.ToHexStringLower(sha.GetHashAndReset())));
                }
                var manifest = new BackupManifest(BackupManifest.FormatName, BackupManifest.CurrentVersion, time.GetUtcNow(), entries);
                var manifestEntry = zip.CreateEntry(BackupManifest.EntryName);
                await using var m = await manifestEntry.OpenAsync(ct);
                await JsonSerializer.SerializeAsync(m, manifest, Json, ct);
                File.Move(partial, target, overwrite: true);
                return manifest;
            }
        }
        finally
        {
            staging.Delete(recursive: true);
        }
    }

    /// <summary>
    /// Replaces the data directory with an archive's content. The archive is checked whole
    /// (names, sums, database integrity) before anything in the data directory changes; the old
    /// content is kept beside it as <c>&lt;dir&gt;.before-restore-&lt;time&gt;</c>.
    /// </summary>
    public async Task<(BackupManifest Manifest, string? KeptAt)> RestoreAsync(string archivePath, bool force, IProgress<(long Done, long Total)>? progress, CancellationToken ct)
    {
        var source = CheckArchivePath(archivePath, forWriting: false);
        if (!File.Exists(source))
            throw new IOException($"{source} does not exist.");
        var hasData = Directory.Exists(data.Path) && Directory.EnumerateFileSystemEntries(data.Path).Any();
        if (hasData && !force)
            throw new IOException($"{data.Path} is not empty; pass --force to replace it (its content is kept beside it).");

        var parent = Path.GetDirectoryName(data.Path)!;
        Directory.CreateDirectory(parent);
        var staging = Path.Combine(parent, "." + Path.GetFileName(data.Path) + ".restore-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        Directory.CreateDirectory(staging);
        try
        {
            BackupManifest manifest;
            await using (var zipStream = File.OpenRead(source))
            await using (var zip = new ZipArchive(zipStream, ZipArchiveMode.Read))
            {
                manifest = await ReadManifestAsync(zip, ct);
                foreach (var entry in zip.Entries)
                {
                    if (entry.FullName != BackupManifest.EntryName && manifest.Files.All(f => f.Name != entry.FullName))
                        throw new InvalidDataException($"The archive holds '{entry.FullName}', which its manifest does not list.");
                }
                var total = manifest.Files.Sum(f => f.Size);
                long done = 0;
                foreach (var file in manifest.Files)
                {
                    var entry = zip.GetEntry(file.Name) ?? throw new InvalidDataException($"The archive lacks '{file.Name}' listed in its manifest.");
                    var path = Path.Combine(staging, file.Name);
                    using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                    await using (var input = await entry.OpenAsync(ct))
                    await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                    {
                        var buffer = new byte[1 << 16];
                        int n;
                        long written = 0;
                        while ((n = await input.ReadAsync(buffer, ct)) > 0)
                        {
                            written += n;
                            if (written > file.Size)
                                throw new InvalidDataException($"'{file.Name}' is larger in the archive than its manifest says.");
                            sha.AppendData(buffer, 0, n);
                            await output.WriteAsync(buffer.AsMemory(0, n), ct);
                            done += n;
                            progress?.Report((done, total));
                        }
                    }
                    if (Convert.ToHexStringLower(sha.GetHashAndReset()) != file.Sha256)
                        throw new InvalidDataException($"'{file.Name}' does not match its SHA-256 in the manifest: the archive is damaged.");
                }
            }
            CheckDatabase(Path.Combine(staging, DataDirectory.DatabaseFileName));

            string? keptAt = null;
            if (Directory.Exists(data.Path))
            {
                if (hasData)
                {
                    keptAt = data.Path + ".before-restore-" + time.GetUtcNow().ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture);
                    Directory.Move(data.Path, keptAt);
                }
                else
                {
                    Directory.Delete(data.Path);
                }
            }
            Directory.Move(staging, data.Path);
            return (manifest, keptAt);
        }
        finally
        {
            if (Directory.Exists(staging))
                Directory.Delete(staging, recursive: true);
        }
    }

    private static async Task<BackupManifest> ReadManifestAsync(ZipArchive zip, CancellationToken ct)
    {
        var entry = zip.GetEntry(BackupManifest.EntryName) ?? throw new InvalidDataException("This is not a Pulse backup: it has no manifest.json.");
        if (entry.Length > 1024 * 1024)
            throw new InvalidDataException("manifest.json is implausibly large.");
        BackupManifest? manifest;
        try
        {
            await using var s = await entry.OpenAsync(ct);
            manifest = await JsonSerializer.DeserializeAsync<BackupManifest>(s, Json, ct);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException("manifest.json is not valid: " + e.Message);
        }
        if (manifest is null || manifest.Format != BackupManifest.FormatName)
            throw new InvalidDataException("This is not a Pulse backup: its manifest has another format.");
        if (manifest.Version > BackupManifest.CurrentVersion)
            throw new InvalidDataException($"This backup has format version {manifest.Version}; this Pulse reads up to {BackupManifest.CurrentVersion}.");
        if (manifest.Files is null || manifest.Files.All(f => f.Name != DataDirectory.DatabaseFileName))
            throw new InvalidDataException("The backup holds no pulse.db.");
        foreach (var f in manifest.Files)
        {
            if (!IsPlainFileName(f.Name))
                throw new InvalidDataException($"The backup names a file '{f.Name}' outside the data directory; refusing to restore it.");
            if (f.Size < 0 || string.IsNullOrEmpty(f.Sha256))
                throw new InvalidDataException($"The manifest entry of '{f.Name}' is incomplete.");
        }
        if (manifest.Files.Select(f => f.Name).Distinct(StringComparer.Ordinal).Count() != manifest.Files.Count)
            throw new InvalidDataException("The manifest lists a file twice.");
        return manifest;
    }

    /// <summary>One plain name: no folders, no parent references, no rooted or device paths.</summary>
    internal static bool IsPlainFileName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= 200 && name is not "." and not ".."
        && name.IndexOfAny(['/', '\\', ':', '\0']) < 0 && !name.Any(char.IsControl)
        && name == Path.GetFileName(name);

    private string CheckArchivePath(string path, bool forWriting)
    {
        if (string.IsNullOrWhiteSpace(path) || path.IndexOf('\0', StringComparison.Ordinal) >= 0)
            throw new IOException("Name the archive file.");
        var full = Path.GetFullPath(path);
        var dataRoot = data.Path.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar;
        if (full.StartsWith(dataRoot, StringComparison.Ordinal) || full == data.Path)
            throw new IOException($"The archive {full} must not be inside the data directory {data.Path}.");
        if (forWriting && !Directory.Exists(Path.GetDirectoryName(full)))
            throw new IOException($"The folder {Path.GetDirectoryName(full)} does not exist.");
        if (Directory.Exists(full))
            throw new IOException($"{full} is a folder; name a file.");
        return full;
    }

    private static void CheckDatabase(string path)
    {
        using var c = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA integrity_check;";
        var result = cmd.ExecuteScalar() as string;
        if (result != "ok")
            throw new InvalidDataException("pulse.db in the backup fails SQLite's integrity check: " + result);
        cmd.CommandText = "SELECT count(*) FROM sqlite_master WHERE name = '__EFMigrationsHistory';";
        if (Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) != 1)
            throw new InvalidDataException("pulse.db in the backup is not a Pulse database.");
    }
}
