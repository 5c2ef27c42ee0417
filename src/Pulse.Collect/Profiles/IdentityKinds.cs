namespace Pulse.Collect.Profiles;

/// <summary>The kinds of ids that make up the identity graph.</summary>
public static class IdentityKinds
{
    public const string UserId = "user_id";
    public const string AnonymousId = "anonymous_id";
}
