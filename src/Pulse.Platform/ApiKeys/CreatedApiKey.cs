namespace Pulse.Platform.ApiKeys;

/// <summary>A new key: <paramref name="Key"/> is the secret, shown this once and never again.</summary>
public sealed record CreatedApiKey(ApiKeyDto ApiKey, string Key);
