using System.Collections.Concurrent;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Cluster;

namespace Pulse.Influence.Links;

/// <summary>
/// The redirect's cache: slug → route, filled on first use and dropped whole when any link changes
/// (announced under <see cref="LinkService.CacheTopic"/>; in cluster mode every node hears it
/// through Redis within a second). Unknown slugs are remembered too, so a flood of made-up slugs
/// costs the store one query each at most until the next change; the cache is bounded.
/// </summary>
internal sealed class LinkRoutes
{
    private const int MaxEntries = 200_000;
    private readonly IServiceScopeFactory _scopes;
    private Generation _current = new();

    /// <summary>The cache between two changes: loaded routes (null for an unknown slug) and loads under way.</summary>
    private sealed class Generation
    {
        public readonly ConcurrentDictionary<string, LinkRoute?> Routes = new(StringComparer.Ordinal);
        public readonly ConcurrentDictionary<string, Task<LinkRoute?>> Loading = new(StringComparer.Ordinal);
    }

    public LinkRoutes(IServiceScopeFactory scopes, ICacheSignals signals)
    {
        _scopes = scopes;
        signals.Subscribe(LinkService.CacheTopic, Forget);
    }

    public void Forget() => _current = new Generation();

    public ValueTask<LinkRoute?> FindAsync(string slug)
    {
        var g = _current;
        return g.Routes.TryGetValue(slug, out var known) ? new ValueTask<LinkRoute?>(known) : new ValueTask<LinkRoute?>(LoadAsync(g, slug));
    }

    private async Task<LinkRoute?> LoadAsync(Generation g, string slug)
    {
        if (g.Routes.Count >= MaxEntries)
            Forget();
        var task = g.Loading.GetOrAdd(slug, Load);
        try
        {
            var route = await task;
            g.Routes[slug] = route;
            return route;
        }
        finally
        {
            // A failed read (the store briefly away) is not remembered; the next request tries again.
            g.Loading.TryRemove(new KeyValuePair<string, Task<LinkRoute?>>(slug, task));
        }
    }

    private async Task<LinkRoute?> Load(string slug)
    {
        await using var scope = _scopes.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<LinkService>().RouteAsync(slug, CancellationToken.None);
    }
}
