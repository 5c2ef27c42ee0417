using Pulse.Platform.Access;

namespace Pulse.Platform.ApiKeys;

/// <summary>What a valid key authenticates as.</summary>
public sealed record ApiKeyIdentity(Guid KeyId, string Name, string Prefix, Guid WorkspaceId, WorkspaceRole Role);
