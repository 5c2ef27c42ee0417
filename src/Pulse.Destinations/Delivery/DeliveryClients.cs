using Pulse.Platform.Webhooks;

namespace Pulse.Destinations.Delivery;

/// <summary>
/// The HTTP clients requests to destinations go through: connections only to public addresses
/// (checked after DNS, <see cref="TargetGuard"/>) unless the operator allows private targets
/// (<see cref="OutboundTargets"/>); no redirects followed (a redirect could lead into the private
/// network); no client-wide time-out (each request's is the pipeline's).
/// </summary>
internal sealed class DeliveryClients(OutboundTargets targets) : IDisposable
{
    private readonly Lazy<HttpClient> _client = new(() => Create(targets));

    public HttpClient Client => _client.Value;

    /// <summary>The rule these clients keep to, for the checks of saved URLs when a destination is loaded.</summary>
    public OutboundTargets Targets => targets;

    private static HttpClient Create(OutboundTargets targets)
    {
        var handler = targets.CreateHandler();
        handler.MaxConnectionsPerServer = 64;
        handler.AutomaticDecompression = System.Net.DecompressionMethods.All;
        return new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public void Dispose()
    {
        if (_client.IsValueCreated)
            _client.Value.Dispose();
    }
}
