using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pulse.Hosting;

namespace Pulse.Bench;

internal static class BenchHost
{
    /// <summary>Pulse on a loopback port over a fresh data directory, limits raised so the load is not throttled.</summary>
    public static async Task<WebApplication> StartPulseAsync(Dictionary<string, string?>? extra = null)
    {
        var dir = Directory.CreateTempSubdirectory("pulse-bench-").FullName;
        var settings = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dir,
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = "Error",
            ["Security:ApiRequestsPerSecond"] = "1000000",
            ["Security:ApiBurst"] = "1000000",
        };
        foreach (var (k, v) in extra ?? [])
            settings[k] = v;
        var app = PulseHost.Build(settings);
        await app.Services.GetRequiredService<Bootstrap>().PrepareAsync(default);
        await app.StartAsync();
        return app;
    }

    /// <summary>The baseline: a bare Kestrel endpoint answering the same-sized JSON.</summary>
    public static async Task<WebApplication> StartBareAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var body = "{\"id\":\"01a21a4b-7af4-77e8-a3f0-dc013c7c4800\",\"name\":\"Demo Shop\",\"createdAt\":\"2026-11-26T23:58:04.026+00:00\"}"u8.ToArray();
        app.MapGet("/api/v1/workspaces/current", async ctx =>
        {
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(body);
        });
        await app.StartAsync();
        return app;
    }
}
