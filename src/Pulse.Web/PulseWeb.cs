using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor.Services;
using Pulse.Web.Account;
using Pulse.Web.Components;
using Pulse.Web.Session;

namespace Pulse.Web;

/// <summary>The admin panel: Blazor (interactive server) with MudBlazor.</summary>
public static class PulseWeb
{
    public static IServiceCollection AddPulseWeb(this IServiceCollection services)
    {
        services.AddRazorComponents().AddInteractiveServerComponents();
        services.AddMudServices();
        services.AddCascadingAuthenticationState();
        services.AddScoped<AuthenticationStateProvider, RevalidatingAuthStateProvider>();
        services.AddScoped<WorkspaceSession>();
        return services;
    }

    public static IEndpointRouteBuilder MapPulseWeb(this WebApplication app)
    {
        app.MapAccount();
        app.MapPartnerPortal();
        // Our own Content-Security-Policy already forbids framing; Blazor would add a second header.
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode(o => o.ContentSecurityFrameAncestorsPolicy = null);
        return app;
    }
}
