namespace Pulse.Platform.Access;

/// <summary>How every module shows a stored secret (a token, an account number): enough to recognise it, never enough to use it.</summary>
public static class SecretMask
{
    /// <summary><c>••••</c> and the last four characters; only <c>••••</c> when the secret is eight characters or fewer.</summary>
    public static string Of(string secret) => secret.Length <= 8 ? "••••" : "••••" + secret[^4..];
}
