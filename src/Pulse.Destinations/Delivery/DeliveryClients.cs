using Microsoft.Extensions.Options;
using Pulse.Destinations.Configs;
using Pulse.Platform.Webhooks;

namespace Pulse.Destinations.Delivery;

/// <summary>
/// The HTTP clients requests to destinations go through: connections only to public addresses
/// (checked after DNS, <see cref="TargetGuard"/>) unless the operator set
/// <c>Destinations:AllowPrivateNetworkTargets</c>; no redirects followed (a redirect could lead
/// into the private network); no client-wide time-out (each request's is the pipeline's).
/// </summary>
internal sealed class DeliveryClients(IOptions<DestinationsOptions> options) : IDisposable
{
    private readonly Lazy<HttpClient> _client = new(() => Create(options.Value.AllowPrivateNetworkTargets));

    public HttpClient Client => _client.Value;

    private static HttpClient Create(bool allowPrivate)
    {
        var handler = TargetGuard.CreateHandler(allowPrivate);
        handler.AllowAutoRedirect = false;
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
