namespace Pulse.Platform.Storage;

/// <summary>The one folder that holds everything an embedded Pulse stores.</summary>
public sealed class DataDirectory
{
    public const string DatabaseFileName = "pulse.db";
    public const string ServerInfoFileName = "server.json";
    public const string LockFileName = "server.lock";

    public DataDirectory(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
    }

    public string Path { get; }
    public string DatabasePath => System.IO.Path.Combine(Path, DatabaseFileName);
    public string ServerInfoPath => System.IO.Path.Combine(Path, ServerInfoFileName);
    public string LockPath => System.IO.Path.Combine(Path, LockFileName);

    public string SqliteConnectionString =>
        new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder
        {
            DataSource = DatabasePath,
            Mode = Microsoft.Data.Sqlite.SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();

    /// <summary>The data directory that configuration names (<c>Storage:DataDirectory</c>), or <c>./pulse-data</c>.</summary>
    public static DataDirectory From(Microsoft.Extensions.Configuration.IConfiguration config) =>
        new(config[StorageOptions.Section + ":" + nameof(StorageOptions.DataDirectory)] is { Length: > 0 } d ? d : StorageOptions.DefaultDataDirectory);

    public void EnsureExists() => Directory.CreateDirectory(Path);

    public override string ToString() => Path;
}
