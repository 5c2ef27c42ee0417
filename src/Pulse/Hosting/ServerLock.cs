using System.Text.Json;
using Pulse.Platform.Storage;

namespace Pulse.Hosting;

/// <summary>
/// Marks a data directory as served: an exclusive lock on <c>server.lock</c> for as long as the
/// server runs, and <c>server.json</c> saying where it listens, so that the CLI can tell.
/// </summary>
internal sealed class ServerLock : IDisposable
{
    private readonly FileStream _lock;
    private readonly DataDirectory _data;

    private ServerLock(FileStream lockFile, DataDirectory data)
    {
        _lock = lockFile;
        _data = data;
    }

    public static ServerLock Acquire(DataDirectory data)
    {
        data.EnsureExists();
        try
        {
            var fs = new FileStream(data.LockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            return new ServerLock(fs, data);
        }
        catch (IOException)
        {
            throw new CliException($"Another Pulse server is already running on {data.Path}.");
        }
    }

    /// <summary>Whether a server holds the data directory right now.</summary>
    public static bool IsHeld(DataDirectory data)
    {
        if (!File.Exists(data.LockPath))
            return false;
        try
        {
            using var fs = new FileStream(data.LockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None);
            return false;
        }
        catch (IOException)
        {
            return true;
        }
    }

    public void Publish(IEnumerable<string> urls)
    {
        var info = new { pid = Environment.ProcessId, urls = urls.ToArray() };
        File.WriteAllText(_data.ServerInfoPath, JsonSerializer.Serialize(info));
    }

    /// <summary>Where the CLI on this machine reaches the running server, from <c>server.json</c> (wildcard hosts become 127.0.0.1).</summary>
    public static string LocalAddress(DataDirectory data)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(data.ServerInfoPath));
            foreach (var u in doc.RootElement.GetProperty("urls").EnumerateArray())
            {
                var url = u.GetString();
                if (url is null || !url.StartsWith("http://", StringComparison.Ordinal) && !url.StartsWith("https://", StringComparison.Ordinal))
                    continue;
                var uri = new UriBuilder(url.Replace("://+", "://localhost", StringComparison.Ordinal).Replace("://*", "://localhost", StringComparison.Ordinal));
                if (uri.Host is "0.0.0.0" or "localhost" or "[::]" or "::")
                    uri.Host = "127.0.0.1";
                return uri.Uri.GetLeftPart(UriPartial.Authority);
            }
        }
        catch (Exception e) when (e is IOException or JsonException or KeyNotFoundException or UriFormatException)
        {
            throw new CliException($"A server runs on {data.Path} but its {DataDirectory.ServerInfoFileName} cannot be read: {e.Message}");
        }
        throw new CliException($"A server runs on {data.Path} but listens on no HTTP address the CLI can reach.");
    }

    public void Dispose()
    {
        try
        {
            File.Delete(_data.ServerInfoPath);
        }
        catch (IOException)
        {
            // The next start overwrites it.
        }
        _lock.Dispose();
    }
}
