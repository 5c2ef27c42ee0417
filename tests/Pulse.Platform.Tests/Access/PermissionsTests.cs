using Pulse.Platform.Access;
using Pulse.Platform.ApiKeys;
using Pulse.Platform.Paging;

namespace Pulse.Platform.Tests.Access;

public sealed class PermissionsTests
{
    [Theory]
    [InlineData(WorkspaceRole.Viewer, Permission.ApiKeysManage, false)]
    [InlineData(WorkspaceRole.Viewer, Permission.ApiKeysRead, true)]
    [InlineData(WorkspaceRole.Viewer, Permission.AuditRead, false)]
    [InlineData(WorkspaceRole.Marketer, Permission.MembersManage, false)]
    [InlineData(WorkspaceRole.Admin, Permission.ApiKeysManage, true)]
    [InlineData(WorkspaceRole.Owner, Permission.AuditExport, true)]
    [InlineData(WorkspaceRole.Owner, Permission.WorkspaceCreate, true)]
    [InlineData(WorkspaceRole.Admin, Permission.WorkspaceCreate, false)]
    [InlineData(WorkspaceRole.Partner, Permission.WorkspaceRead, false)]
    [InlineData(WorkspaceRole.Partner, Permission.PartnerPortal, true)]
    public void Table_GrantsExactlyWhatItSays(WorkspaceRole role, Permission permission, bool allowed) =>
        Assert.Equal(allowed, Permissions.Allows(role, permission));

    [Fact]
    public void NobodyGrantsMoreThanTheyHold()
    {
        Assert.False(Permissions.CanGrant(WorkspaceRole.Admin, WorkspaceRole.Owner));
        Assert.True(Permissions.CanGrant(WorkspaceRole.Owner, WorkspaceRole.Owner));
        Assert.True(Permissions.CanGrant(WorkspaceRole.Admin, WorkspaceRole.Marketer));
        Assert.False(Permissions.CanGrant(WorkspaceRole.Marketer, WorkspaceRole.Viewer));
    }

    [Theory]
    [InlineData("viewer", WorkspaceRole.Viewer)]
    [InlineData("Admin", WorkspaceRole.Admin)]
    public void Roles_ParseByName(string text, WorkspaceRole expected) => Assert.Equal(expected, Validate.Role("role", text));

    [Theory]
    [InlineData("4")]
    [InlineData("root")]
    [InlineData("")]
    [InlineData(null)]
    public void Roles_RefuseNumbersAndUnknownNames(string? text) =>
        Assert.Throws<ValidationException>(() => Validate.Role("role", text));

    [Fact]
    public void Cursor_RoundTrips_AndRefusesAnotherListsCursor()
    {
        var c = Cursor.Encode("audit", 42);
        Assert.Equal(42, Cursor.DecodeLong("audit", c));
        var e = Assert.Throws<ValidationException>(() => Cursor.DecodeGuid("apikeys", c));
        Assert.True(e.Errors.ContainsKey("cursor"));
    }

    [Fact]
    public void ApiKeys_HaveTheirShape_AndMatchOnlyThemselves()
    {
        var key = ApiKeyFormat.NewKey();
        Assert.True(ApiKeyFormat.LooksValid(key));
        Assert.Equal(48, key.Length);
        var hash = ApiKeyFormat.Hash(key);
        Assert.True(ApiKeyFormat.Matches(key, hash));
        var other = key[..^1] + (key[^1] == 'a' ? 'b' : 'a');
        Assert.False(ApiKeyFormat.Matches(other, hash));
        Assert.False(ApiKeyFormat.LooksValid(key + "x"));
        Assert.False(ApiKeyFormat.LooksValid(key.Replace("pk_live_", "sk_live_", StringComparison.Ordinal)));
        Assert.NotEqual(ApiKeyFormat.NewKey(), ApiKeyFormat.NewKey());
    }
}
