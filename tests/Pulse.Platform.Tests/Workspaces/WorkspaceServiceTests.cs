using Pulse.Platform.Access;
using Pulse.Platform.People;
using Pulse.Platform.Workspaces;

namespace Pulse.Platform.Tests.Workspaces;

public sealed class WorkspaceServiceTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer S => fixture.Server;

    [Fact]
    public async Task Owner_CreatesAWorkspace_AndOwnsIt_AnAdminMayNot()
    {
        var ws = await S.CreateWorkspaceAsync();
        var user = await S.WithScopeAsync<UserService, UserDto>(u => u.CreateAsync(null, $"o-{Guid.NewGuid():N}@example.com", TestData.Password, null, default));
        var asOwner = new Actor(ActorKinds.User, user.Id.ToString(), user.Email, ws.Id, WorkspaceRole.Owner);
        var name = "new-" + Guid.NewGuid().ToString("N")[..8];
        var created = await S.WithScopeAsync<WorkspaceService, WorkspaceDto>(s => s.CreateAsOwnerAsync(asOwner, name, default));
        var mine = await S.WithScopeAsync<WorkspaceService, IReadOnlyList<WorkspaceMembershipDto>>(s => s.ListForUserAsync(user.Id, default));
        Assert.Contains(mine, w => w.Id == created.Id && w.Role == WorkspaceRole.Owner);

        var asAdmin = asOwner with { Role = WorkspaceRole.Admin };
        await Assert.ThrowsAsync<ForbiddenException>(() => S.WithScopeAsync<WorkspaceService, WorkspaceDto>(s => s.CreateAsOwnerAsync(asAdmin, "admin-made", default)));
        await Assert.ThrowsAsync<ConflictException>(() => S.WithScopeAsync<WorkspaceService, WorkspaceDto>(s => s.CreateAsOwnerAsync(asOwner, name.ToUpperInvariant(), default)));
        var viaKey = new Actor(ActorKinds.ApiKey, Guid.NewGuid().ToString(), "key", ws.Id, WorkspaceRole.Owner);
        await Assert.ThrowsAsync<ForbiddenException>(() => S.WithScopeAsync<WorkspaceService, WorkspaceDto>(s => s.CreateAsOwnerAsync(viaKey, "key-made", default)));
    }
}
