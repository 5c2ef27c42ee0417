using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Events;
using Pulse.Collect.Log;

namespace Pulse.Collect.Tests.Events;

/// <summary>The panel's first choice of workspace for a person: the one of theirs with the most recent events.</summary>
public sealed class BusiestWorkspaceTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Fact]
    public async Task Busiest_IsTheWorkspaceWithTheMostEvents_TiesGoToTheFirstNamed_AndNoneWithoutEvents()
    {
        var quiet = await fixture.TenantAsync();
        var some = await fixture.TenantAsync();
        var most = await fixture.TenantAsync();
        await some.IngestAsync("/v1/batch", """{"batch":[{"type":"track","anonymousId":"b-1","event":"A"}]}""");
        await most.IngestAsync("/v1/batch", """{"batch":[{"type":"track","anonymousId":"b-2","event":"A"},{"type":"page","anonymousId":"b-2"},{"type":"track","anonymousId":"b-3","event":"B"}]}""");
        var services = fixture.Server.App.Services;
        await services.GetRequiredService<EventLog>().CaughtUpAsync(TimeSpan.FromSeconds(30), default);
        var events = services.GetRequiredService<EventQueries>();

        Assert.Equal(most.WorkspaceId, events.Busiest([quiet.WorkspaceId, some.WorkspaceId, most.WorkspaceId]));
        Assert.Equal(some.WorkspaceId, events.Busiest([quiet.WorkspaceId, some.WorkspaceId]));
        Assert.Null(events.Busiest([quiet.WorkspaceId]));
        Assert.Null(events.Busiest([]));

        await some.IngestAsync("/v1/batch", """{"batch":[{"type":"track","anonymousId":"b-4","event":"A"},{"type":"track","anonymousId":"b-5","event":"A"}]}""");
        await services.GetRequiredService<EventLog>().CaughtUpAsync(TimeSpan.FromSeconds(30), default);
        // Three each now: the first named wins.
        Assert.Equal(most.WorkspaceId, events.Busiest([most.WorkspaceId, some.WorkspaceId]));
        Assert.Equal(some.WorkspaceId, events.Busiest([some.WorkspaceId, most.WorkspaceId]));
    }
}
