using System.Globalization;
using System.Text.Json.Serialization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;

namespace Pulse.Platform.Http;

/// <summary>
/// What every module's part of <c>/api/v1</c> shares: JSON rules, problem details for every
/// error, per-client rate limits, and the group that requires an API key.
/// </summary>
public static class ApiConventions
{
    public const string ApiRateLimit = "api";
    public const string LoginRateLimit = "login";

    public static IServiceCollection AddApiConventions(this IServiceCollection services, IConfiguration config)
    {
        var security = SecurityOptions.From(config);

        services.ConfigureHttpJsonOptions(o => ConfigureJson(o));
        services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        services.AddProblemDetails(o => o.CustomizeProblemDetails = ctx =>
        {
            var status = ctx.ProblemDetails.Status ?? ctx.HttpContext.Response.StatusCode;
            if (ctx.ProblemDetails.Type is null || ctx.ProblemDetails.Type.StartsWith("https://tools.ietf.org", StringComparison.Ordinal))
                ctx.ProblemDetails.Type = ProblemTypes.ForStatus(status);
            ctx.ProblemDetails.Instance ??= ctx.HttpContext.Request.Path;
            ctx.ProblemDetails.Extensions["traceId"] = ctx.HttpContext.TraceIdentifier;
        });
        services.AddExceptionHandler<PulseExceptionHandler>();

        services.AddRateLimiter(o =>
        {
            o.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            // Buckets through IRateGate: in memory in embedded mode, in Redis (shared by every node) in cluster mode.
            o.AddPolicy(ApiRateLimit, ctx =>
            {
                var key = ClientKey(ctx);
                var gate = ctx.RequestServices.GetRequiredService<Cluster.IRateGate>();
                return RateLimitPartition.Get(key, k => new GateRateLimiter(gate, "api:" + k, security.ApiRequestsPerSecond, security.ApiBurst));
            });
            o.AddPolicy(LoginRateLimit, ctx =>
            {
                var key = "login:" + (ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown");
                var gate = ctx.RequestServices.GetRequiredService<Cluster.IRateGate>();
                return RateLimitPartition.Get(key, k => new GateRateLimiter(gate, k, security.LoginAttemptsPerMinute / 60.0, security.LoginAttemptsPerMinute));
            });
            o.OnRejected = async (ctx, ct) =>
            {
                var retry = ctx.Lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : TimeSpan.FromSeconds(1);
                var seconds = Math.Max(1, (int)Math.Ceiling(retry.TotalSeconds));
                ctx.HttpContext.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
                var problems = ctx.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>();
                await problems.WriteAsync(new ProblemDetailsContext
                {
                    HttpContext = ctx.HttpContext,
                    ProblemDetails = new ProblemDetails
                    {
                        Status = 429, Type = ProblemTypes.TooManyRequests, Title = "Too many requests",
                        Detail = $"This client sent too many requests. Try again in {seconds} s.",
                    },
                });
            };
        });

        if (security.CorsOrigins.Length > 0)
        {
            services.AddCors(o => o.AddDefaultPolicy(p => p
                .WithOrigins(security.CorsOrigins)
                .WithHeaders("Authorization", "Content-Type")
                .WithMethods("GET", "POST", "PATCH", "DELETE")));
        }
        return services;
    }

    public static Microsoft.AspNetCore.Http.Json.JsonOptions ConfigureJson(Microsoft.AspNetCore.Http.Json.JsonOptions o)
    {
        o.SerializerOptions.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
        o.SerializerOptions.TypeInfoResolverChain.Insert(0, PlatformJsonContext.Default);
        return o;
    }

    /// <summary>The <c>/api/v1</c> group: API key required, rate-limited per client, problem details on every status.</summary>
    public static RouteGroupBuilder MapApiGroup(this IEndpointRouteBuilder endpoints)
    {
        var group = endpoints.MapGroup("/api/v1");
        group.RequireAuthorization(new Microsoft.AspNetCore.Authorization.AuthorizeAttribute
        {
            AuthenticationSchemes = ApiKeys.ApiKeyAuthenticationHandler.SchemeName,
        });
        group.RequireRateLimiting(ApiRateLimit);
        group.DisableAntiforgery();
        // Every route may answer these; the document says so once, here.
        group.ProducesValidationProblem();
        group.ProducesProblem(StatusCodes.Status401Unauthorized);
        group.ProducesProblem(StatusCodes.Status403Forbidden);
        group.ProducesProblem(StatusCodes.Status404NotFound);
        group.ProducesProblem(StatusCodes.Status429TooManyRequests);
        return group;
    }

    /// <summary>Problem details for statuses that no handler wrote a body for (404 of unknown routes, 405, 413).</summary>
    public static IApplicationBuilder UseApiStatusProblems(this IApplicationBuilder app) =>
        app.UseWhen(c => c.Request.Path.StartsWithSegments("/api"), branch => branch.UseStatusCodePages(async ctx =>
        {
            var http = ctx.HttpContext;
            var status = http.Response.StatusCode;
            var detail = status switch
            {
                404 => "No such resource or route. The API lives under /api/v1; see /openapi/v1.json.",
                405 => $"{http.Request.Method} is not allowed on this route.",
                413 => "The request body is larger than this server accepts.",
                415 => "Send the body as application/json.",
                _ => null,
            };
            await WriteProblemAsync(http, status, detail);
        }));

    /// <summary>Answers with a problem document of the status's stable type (for endpoints that write their own responses).</summary>
    public static async Task WriteProblemAsync(HttpContext http, int status, string? detail, Action<ProblemDetails>? customize = null)
    {
        http.Response.StatusCode = status;
        var problem = new ProblemDetails { Status = status, Type = ProblemTypes.ForStatus(status), Detail = detail };
        customize?.Invoke(problem);
        await http.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext { HttpContext = http, ProblemDetails = problem });
    }

    private static string ClientKey(HttpContext ctx)
    {
        string? auth = ctx.Request.Headers.Authorization;
        // A key's public prefix is enough to tell clients apart; the full key is never used as a map key.
        if (auth is { Length: > 7 + ApiKeys.ApiKeyFormat.PrefixLength } && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return "key:" + auth.AsSpan(7, ApiKeys.ApiKeyFormat.PrefixLength).ToString();
        return "ip:" + (ctx.Connection.RemoteIpAddress?.ToString() ?? "unknown");
    }
}
