using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.ApiKeys;
using Pulse.Platform.Workspaces;

namespace Pulse.Bench;

/// <summary>What authenticating one API request costs: the hash check alone (baseline) and the whole lookup.</summary>
[MemoryDiagnoser]
public class ApiKeyAuthBenchmarks
{
    private Microsoft.AspNetCore.Builder.WebApplication _app = null!;
    private string _key = null!;
    private byte[] _hash = null!;

    [GlobalSetup]
    public async Task Setup()
    {
        _app = await BenchHost.StartPulseAsync();
        await using var scope = _app.Services.CreateAsyncScope();
        var ws = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().CreateAsync("bench-" + Guid.NewGuid().ToString("N")[..8], null, null, default);
        var keys = scope.ServiceProvider.GetRequiredService<ApiKeyService>();
        for (var i = 0; i < 1000; i++)
            await keys.CreateAsync(Actor.Cli(ws.Id), "filler " + i, "Viewer", null, default);
        _key = (await keys.CreateAsync(Actor.Cli(ws.Id), "bench", "Viewer", null, default)).Key;
        _hash = ApiKeyFormat.Hash(_key);
    }

    [Benchmark(Baseline = true, Description = "SHA-256 check of a key (no lookup)")]
    public bool HashCheck() => ApiKeyFormat.Matches(_key, _hash);

    [Benchmark(Description = "AuthenticateAsync: indexed lookup + check (1,001 keys stored)")]
    public async Task<ApiKeyIdentity?> Authenticate()
    {
        await using var scope = _app.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<ApiKeyService>().AuthenticateAsync(_key, default);
    }

    [GlobalCleanup]
    public async Task Cleanup() => await _app.DisposeAsync();
}
