using Pulse.Collect;
using Pulse.Destinations;
using Pulse.Influence;
using Pulse.Platform;
using Pulse.Platform.Storage;

namespace Pulse.Hosting;

/// <summary>
/// The modules' core registrations, the same for the server and every CLI command: each module's
/// services, stores, data-subject steps and cluster-export steps come from its own registration
/// method and nowhere else. The server adds the modules' web parts on top (<see cref="PulseHost"/>).
/// </summary>
internal static class PulseModules
{
    public static IServiceCollection AddPulseModules(this IServiceCollection services, IConfiguration config, DataDirectory data)
    {
        services.AddPlatformCore(config, data);
        services.AddCollectCore(config);
        services.AddDestinations(config);
        services.AddInfluence(config);
        return services;
    }
}
