using Pulse.Platform.Access;
using Pulse.Platform.People;
using Pulse.Platform.Tests;
using Pulse.Platform.Workspaces;

namespace Pulse.Web.Tests;

/// <summary>A test's own workspace on the shared server, with its owner's and viewer's e-mail addresses (password <see cref="TestData.Password"/>).</summary>
public sealed record PanelWorkspace(PanelFixture Fixture, WorkspaceDto Workspace, Guid OwnerId, string OwnerEmail, string ViewerEmail)
{
    public Guid Id => Workspace.Id;
    public string Name => Workspace.Name;
    public Actor Cli => Actor.Cli(Workspace.Id);

    public Task<AddedMember> AddMemberAsync(string email, WorkspaceRole role, string displayName) =>
        Fixture.Server.WithScopeAsync<MemberService, AddedMember>(m => m.AddAsync(Cli, email, role.ToString(), displayName, TestData.Password, default));
}
