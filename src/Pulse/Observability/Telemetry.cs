using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Pulse.Observability;

/// <summary>
/// Prometheus metrics at /metrics and OpenTelemetry traces (off unless Telemetry:OtlpEndpoint is set).
/// Module metrics convention: each module owns one <see cref="System.Diagnostics.Metrics.Meter"/> named
/// <c>Pulse.&lt;Module&gt;</c> with instruments named <c>pulse.&lt;module&gt;.&lt;thing&gt;</c>; every
/// meter matching <c>Pulse.*</c> is exported without further wiring.
/// </summary>
internal static class Telemetry
{
    public const string ModuleMeters = "Pulse.*";

    public static IServiceCollection AddPulseTelemetry(this IServiceCollection services, IConfiguration config)
    {
        var otlp = config["Telemetry:OtlpEndpoint"];
        var builder = services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService("pulse", serviceInstanceId: Environment.MachineName + ":" + Environment.ProcessId))
            .WithMetrics(m => m
                .AddAspNetCoreInstrumentation()
                .AddMeter("Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections",
                    "Microsoft.AspNetCore.RateLimiting", "Microsoft.AspNetCore.Authentication", "Microsoft.AspNetCore.Identity", "System.Runtime", ModuleMeters)
                // No response cache: a scrape shows the counters as they are (Prometheus scrapes seldom enough).
                .AddPrometheusExporter(o => o.ScrapeResponseCacheDurationMilliseconds = 0));
        if (!string.IsNullOrWhiteSpace(otlp))
        {
            if (!Uri.TryCreate(otlp, UriKind.Absolute, out var endpoint) || (endpoint.Scheme != "http" && endpoint.Scheme != "https"))
                throw new Hosting.CliException($"Telemetry:OtlpEndpoint must be an http(s) URL, not '{otlp}'.", 2);
            builder.WithTracing(t => t
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx => !ctx.Request.Path.StartsWithSegments("/metrics"))
                .AddSource(ModuleMeters)
                .AddOtlpExporter(o => o.Endpoint = endpoint));
        }
        return services;
    }
}
