using System.Security.Claims;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Workspaces;

namespace Pulse.Web.Session;

/// <summary>
/// The signed-in person of one panel circuit, their workspaces and the one they work in. Pages ask
/// it what the role allows (through <see cref="Permissions"/>) and run services as its <see cref="Actor"/>.
/// </summary>
public sealed class WorkspaceSession(IServiceScopeFactory scopes)
{
    public Guid UserId { get; private set; }
    public string Email { get; private set; } = "";
    public IReadOnlyList<WorkspaceMembershipDto> Workspaces { get; private set; } = [];
    public WorkspaceMembershipDto? Current { get; private set; }
    public bool Ready { get; private set; }
    private ClientInfo _client = new(null, null, null);

    public async Task InitializeAsync(ClaimsPrincipal user, ClientInfo client, CancellationToken ct = default)
    {
        _client = client;
        if (!Guid.TryParse(user.FindFirstValue(ClaimTypes.NameIdentifier), out var id))
            return;
        UserId = id;
        Email = user.FindFirstValue(ClaimTypes.Email) ?? user.Identity?.Name ?? "";
        await using var scope = scopes.CreateAsyncScope();
        Workspaces = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().ListForUserAsync(id, ct);
        Current = Workspaces.FirstOrDefault(w => w.Id.ToString() == client.WorkspaceId && w.Role != WorkspaceRole.Partner)
            ?? Workspaces.FirstOrDefault(w => w.Role != WorkspaceRole.Partner)
            ?? Workspaces.FirstOrDefault();
        Partner = PickPartner(Workspaces, client.WorkspaceId);
        Ready = true;
    }

    /// <summary>The workspace the partner portal shows: one where the person is a Partner (the one chosen last, else the first).</summary>
    public WorkspaceMembershipDto? Partner { get; private set; }

    public static WorkspaceMembershipDto? PickPartner(IEnumerable<WorkspaceMembershipDto> workspaces, string? chosen)
    {
        var partner = workspaces.Where(w => w.Role == WorkspaceRole.Partner).ToList();
        return partner.FirstOrDefault(w => w.Id.ToString() == chosen) ?? partner.FirstOrDefault();
    }

    /// <summary>The person as a partner in <see cref="Partner"/>; the partner services answer only about their own creator.</summary>
    public Actor PartnerActor => Partner is { } p
        ? new Actor(ActorKinds.User, UserId.ToString(), Email, p.Id, WorkspaceRole.Partner, _client.Ip, _client.UserAgent)
        : throw new ForbiddenException("You are not a partner of any workspace.");

    /// <summary>Runs a service of a fresh scope as <see cref="PartnerActor"/>.</summary>
    public async Task<T> RunAsPartnerAsync<TService, T>(Func<TService, Actor, Task<T>> work) where TService : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TService>(), PartnerActor);
    }

    public bool Can(Permission permission) => Current is { } c && Permissions.Allows(c.Role, permission);

    public Actor Actor => Current is { } c
        ? new Actor(ActorKinds.User, UserId.ToString(), Email, c.Id, c.Role, _client.Ip, _client.UserAgent)
        : throw new ForbiddenException("You are not a member of any workspace.");

    /// <summary>Runs a service of a fresh scope (one DbContext per operation, never one per circuit).</summary>
    public async Task<T> RunAsync<TService, T>(Func<TService, Actor, Task<T>> work) where TService : notnull
    {
        await using var scope = scopes.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TService>(), Actor);
    }
}
