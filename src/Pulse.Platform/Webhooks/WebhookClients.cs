using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Http.Resilience;

namespace Pulse.Platform.Webhooks;

public static class WebhookClients
{
    /// <summary>
    /// A named client for posting to people's webhooks: connections only to targets the operator
    /// allows, checked after DNS, no redirects followed (<see cref="TargetGuard"/>), and transient
    /// failures retried (a refused target is not).
    /// </summary>
    public static IServiceCollection AddGuardedWebhookClient(this IServiceCollection services, string name, string userAgent)
    {
        services.AddHttpClient(name, c => c.DefaultRequestHeaders.UserAgent.ParseAdd(userAgent))
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<OutboundTargets>().CreateHandler())
            .AddStandardResilienceHandler(o => o.Retry.ShouldHandle = args => ValueTask.FromResult(
                !TargetRefusedException.IsRefusal(args.Outcome.Exception) && HttpClientResiliencePredicates.IsTransient(args.Outcome)));
        return services;
    }
}
