namespace Pulse.Platform.Tests;

/// <summary>One server shared by the tests of a class; every test makes its own workspace, so none sees another's data.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
