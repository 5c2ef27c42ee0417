using Pulse.Destinations;
using Pulse.Influence;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pulse.Collect;
using Pulse.Observability;
using Pulse.Platform;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Storage;
using Pulse.Web;
using Scalar.AspNetCore;

namespace Pulse.Hosting;

/// <summary>Composes the modules into one ASP.NET Core application. Nothing else lives here.</summary>
internal static class PulseHost
{
    public static WebApplication Build(IReadOnlyDictionary<string, string?> flags, Action<WebApplicationBuilder>? customize = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            ContentRootPath = AppContext.BaseDirectory,
            // The host's name, also when a test process starts it: static assets are found by it.
            ApplicationName = typeof(PulseHost).Assembly.GetName().Name,
            Args = [],
        });
        builder.Configuration.Sources.Clear();
        builder.Configuration.AddPulseSources(flags);
        builder.WebHost.UseStaticWebAssets();

        builder.Logging.ClearProviders();
        builder.Logging.AddConfiguration(builder.Configuration.GetSection("Logging"));
        builder.Logging.AddJsonConsole(o =>
        {
            o.IncludeScopes = true;
            o.UseUtcTimestamp = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
        });

        var config = builder.Configuration;
        var data = DataDirectory.From(config);
        var security = SecurityOptions.From(config);

        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = security.MaxRequestBodyBytes;
            k.Limits.MaxRequestHeadersTotalSize = 32 * 1024;
        });
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(20));
        var trustedProxies = config.GetSection("Http:TrustedProxies").Get<string[]>() ?? [];
        builder.Services.Configure<ForwardedHeadersOptions>(o =>
        {
            o.ForwardedHeaders = ForwardedHeaders.XForwardedFor | ForwardedHeaders.XForwardedProto;
            // Only the proxies named in Http:TrustedProxies (ASP.NET would trust loopback by default,
            // letting any local process claim another client address or HTTPS).
            o.KnownProxies.Clear();
            o.KnownIPNetworks.Clear();
            foreach (var proxy in trustedProxies)
            {
                if (System.Net.IPAddress.TryParse(proxy, out var ip))
                    o.KnownProxies.Add(ip);
                else
                    throw new CliException($"Http:TrustedProxies holds '{proxy}', which is not an IP address.", 2);
            }
        });

        builder.Services.AddPulseModules(config, data);
        builder.Services.AddPlatformWeb(config);
        builder.Services.AddDestinationsDelivery();
        builder.Services.AddInfluenceRedirects();
        builder.Services.AddCollectWeb();
        builder.Services.AddApiConventions(config);
        builder.Services.AddPulseTelemetry(config);
        builder.Services.AddPulseWeb();
        builder.Services.AddOpenApi("v1", o => o.AddDocumentTransformer<OpenApiSecurity>());
        builder.Services.AddHealthChecks().AddCheck<ReadinessCheck>("storage", tags: ["ready"]);
        builder.Services.AddSingleton<Bootstrap>();

        customize?.Invoke(builder);
        return Compose(builder.Build(), security, trustedProxies.Length > 0);
    }

    private static WebApplication Compose(WebApplication app, SecurityOptions security, bool behindProxy)
    {
        // With no proxy named, X-Forwarded-* headers are ignored: empty lists would mean "trust anyone".
        if (behindProxy)
            app.UseForwardedHeaders();
        app.Use(static (ctx, next) =>
        {
            ctx.Response.Headers["X-Request-Id"] = ctx.TraceIdentifier;
            return next(ctx);
        });
        app.UseExceptionHandler();
        app.UseApiStatusProblems();
        if (!app.Environment.IsDevelopment())
            app.UseHsts();
        app.UseSecurityHeaders();
        if (security.CorsOrigins.Length > 0)
            app.UseCors();
        app.UseRouting();
        app.UseRateLimiter();
        app.UseAuthentication();
        app.UseAuthorization();
        app.UseAntiforgery();

        app.MapStaticAssets();
        app.MapHealthChecks("/healthz", new() { Predicate = _ => false });
        app.MapHealthChecks("/readyz", new()
        {
            Predicate = c => c.Tags.Contains("ready"),
            ResultStatusCodes = { [HealthStatus.Unhealthy] = 503, [HealthStatus.Degraded] = 200, [HealthStatus.Healthy] = 200 },
            ResponseWriter = WriteReadinessAsync,
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference(o => o.WithTitle("Pulse API"));

        app.MapApiGroup().MapPlatformApi().MapCollectApi().MapDestinationsApi().MapInfluenceApi();
        app.MapCollectIngest();
        app.MapInfluenceRedirects();
        app.MapDestinationsDemoSink();
        app.MapPulseWeb();
        return app;
    }

    /// <summary><c>{"status":"Degraded","checks":{"storage":"…what is wrong…"}}</c>: the status and why.</summary>
    private static async Task WriteReadinessAsync(HttpContext ctx, HealthReport report)
    {
        ctx.Response.ContentType = "application/json";
        await using var json = new System.Text.Json.Utf8JsonWriter(ctx.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
            json.WriteString(name, entry.Description ?? entry.Status.ToString());
        json.WriteEndObject();
        json.WriteEndObject();
    }

    public static IReadOnlyList<string> Addresses(WebApplication app) =>
        app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
            .Features.Get<Microsoft.AspNetCore.Hosting.Server.Features.IServerAddressesFeature>()?.Addresses.ToList() ?? [];
}
