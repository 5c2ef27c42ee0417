namespace Pulse.Platform.Access;

public static class ActorKinds
{
    public const string User = "user";
    public const string ApiKey = "apikey";
    public const string Cli = "cli";
    public const string Anonymous = "anonymous";
    public const string System = "system";
}
