using System.Security.Cryptography;

namespace Pulse.Platform.Setup;

/// <summary>
/// The one-time link printed when a server starts with no users: whoever opens it first creates
/// the first Owner. The token lives only in this process and dies when it is used.
/// </summary>
public sealed class SetupTokens
{
    private readonly Lock _gate = new();
    private string? _token;

    public string Issue()
    {
        lock (_gate)
        {
            _token ??= Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            return _token;
        }
    }

    public bool IsValid(string? token)
    {
        lock (_gate)
        {
            return _token is not null && token is not null
                && CryptographicOperations.FixedTimeEquals(System.Text.Encoding.UTF8.GetBytes(_token), System.Text.Encoding.UTF8.GetBytes(token));
        }
    }

    /// <summary>Uses the token up; true for exactly one caller.</summary>
    public bool TryConsume(string? token)
    {
        lock (_gate)
        {
            if (!IsValid(token))
                return false;
            _token = null;
            return true;
        }
    }
}
