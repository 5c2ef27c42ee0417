using System.Net;
using Pulse.Collect.Enrichment;

namespace Pulse.Collect.Ingest;

/// <summary>How a batch that Pulse itself sent into the log ended.</summary>
/// <param name="Status">The HTTP status the same batch would have got from <c>/v1/batch</c>.</param>
public sealed record ServerIngestResult(int Status, int Accepted, int Duplicates, int Rejected, string? Detail);

/// <summary>
/// The way other modules put events they observe themselves (a tracked link's click) on the log:
/// a Segment batch under a source's write key, through exactly the path <c>/v1/batch</c> takes
/// (validation, enrichment, consent, tracking plan, group commit, the live debugger), so such
/// events are like any other to every consumer.
/// </summary>
public sealed class ServerIngest
{
    private readonly IngestPipeline _pipeline;

    internal ServerIngest(IngestPipeline pipeline) => _pipeline = pipeline;

    /// <summary>Appends the batch (UTF-8 JSON <c>{"batch": [...]}</c>); completes when it is durable or refused.</summary>
    public async Task<ServerIngestResult> SendBatchAsync(string writeKey, ReadOnlyMemory<byte> batchJson, CancellationToken ct)
    {
        var outcome = await _pipeline.ProcessAsync(batchJson, null, new IngestCaller(writeKey, null, null, null), ct);
        return new ServerIngestResult(outcome.HttpStatus, outcome.Accepted, outcome.Duplicates, outcome.Rejected?.Count ?? 0,
            outcome.Detail ?? (outcome.Rejected is { Count: > 0 } r ? r[0].Reason : null));
    }
}

/// <summary>What a request's client is, read the way ingest reads it: from the same user-agent rules and GeoIP database.</summary>
public readonly record struct ClientInfo(string? Browser, string? Os, string DeviceType, bool IsBot, string? Country);

/// <summary>Reads a client's user agent and address with Collect's enrichment data, for decisions made before any event is stored (a link's device or country targeting).</summary>
public sealed class ClientFacts
{
    private readonly UserAgentParser _agents;
    private readonly GeoLookup _geo;
    private readonly BoundedCache<string, UserAgentInfo> _cache = new(20_000);

    internal ClientFacts(UserAgentParser agents, GeoLookup geo)
    {
        _agents = agents;
        _geo = geo;
    }

    /// <summary>Whether a GeoIP database is configured (without one, country is always null).</summary>
    public bool HasGeo => _geo.Enabled;

    public ClientInfo Read(string? userAgent, IPAddress? ip)
    {
        var agent = userAgent is { Length: > 0 } ua ? _cache.GetOrAdd(ua.Length > UserAgentParser.MaxLength ? ua[..UserAgentParser.MaxLength] : ua, _agents.Parse) : null;
        return new ClientInfo(agent?.Browser, agent?.Os, agent?.DeviceType ?? "other", agent?.IsBot ?? false, _geo.Country(ip));
    }
}
