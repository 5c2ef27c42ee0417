using System.Security.Cryptography;
using System.Text;
using Pulse.Platform.Storage;

namespace Pulse.Platform.ApiKeys;

/// <summary>
/// Lets the CLI on the server's own machine act through the running server (for work that must
/// not open the event log beside it, such as exports). The server writes a random token to
/// <c>admin.token</c> in the data directory, readable by its owner only; a request from a loopback
/// address that presents it (<c>Authorization: PulseLocal &lt;token&gt;</c>) acts as the CLI would:
/// as an Owner of the workspace named in <c>Pulse-Workspace</c>.
/// </summary>
public sealed class LocalAdminToken
{
    public const string FileName = "admin.token";
    public const string Scheme = "PulseLocal";
    public const string WorkspaceHeader = "Pulse-Workspace";
    public const string UserHeader = "Pulse-Cli-User";
    private byte[]? _token;

    /// <summary>Makes a fresh token and writes it to the data directory (server start).</summary>
    public void Publish(DataDirectory data)
    {
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var path = Path.Combine(data.Path, FileName);
        File.Delete(path);
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var fs = new FileStream(path, options))
        {
            fs.Write(Encoding.ASCII.GetBytes(token));
        }
        _token = Encoding.ASCII.GetBytes(token);
    }

    /// <summary>Removes the token file (server stop).</summary>
    public static void Withdraw(DataDirectory data)
    {
        try
        {
            File.Delete(Path.Combine(data.Path, FileName));
        }
        catch (IOException)
        {
            // The next start replaces it.
        }
    }

    /// <summary>The token a running server published, for the CLI; null when there is none.</summary>
    public static string? Read(DataDirectory data)
    {
        var path = Path.Combine(data.Path, FileName);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    public bool Matches(string presented) =>
        _token is { } t && CryptographicOperations.FixedTimeEquals(t, Encoding.ASCII.GetBytes(presented));
}
