using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulse.Collect.Sources;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Storage;
using Pulse.Platform;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Destinations;

/// <summary>Registers the Destinations module: destination configs (delivery comes with the rest of its issue).</summary>
public static class DestinationsModule
{
    public static IServiceCollection AddDestinations(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<DestinationsOptions>().Bind(config.GetSection(DestinationsOptions.Section));
        services.AddModuleStore<DestinationsDbContext, PostgresDestinationsDbContext>("Destinations", DestinationsDbContext.HistoryTable);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, DestinationsJsonContext.Default));
        services.AddScoped(sp => new DestinationService(
            sp.GetRequiredService<DestinationsDbContext>(), sp.GetRequiredService<PulseDbContext>(), sp.GetRequiredService<Platform.Audit.AuditTrail>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SourceService>(), sp.GetRequiredService<IDataProtectionProvider>(),
            sp.GetRequiredService<IOptions<DestinationsOptions>>()));
        return services;
    }

    public static IEndpointRouteBuilder MapDestinationsApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/destinations").WithTags("Destinations");
        group.MapGet("/", List).RequirePermission(Permission.DestinationsRead).WithSummary("Destinations of the workspace, paged; secrets masked.");
        group.MapGet("/{id:guid}", Get).RequirePermission(Permission.DestinationsRead).WithSummary("One destination; secrets masked.");
        group.MapPost("/", Create).RequirePermission(Permission.DestinationsManage)
            .WithSummary("Creates a destination: {type: webhook|meta|tiktok|linkedin|ga4, name, config, sources, events?, enabled?}; a webhook's signing secret is in this answer only.");
        group.MapPatch("/{id:guid}", Update).RequirePermission(Permission.DestinationsManage)
            .WithSummary("Changes name, enabled, config (secrets left out are kept), sources or events; fields left out stay.");
        group.MapPost("/{id:guid}/rotate-secret", Rotate).RequirePermission(Permission.DestinationsManage)
            .WithSummary("A webhook destination's new signing secret (in this answer only); the old one keeps signing for overlapHours (default 24, at most 168).");
        group.MapDelete("/{id:guid}", Delete).RequirePermission(Permission.DestinationsManage).WithSummary("Deletes a destination.");
        return api;
    }

    private static async Task<Ok<Page<DestinationDto>>> List(string? cursor, int? limit, HttpContext http, DestinationService destinations, CancellationToken ct) =>
        TypedResults.Ok(await destinations.ListAsync(HttpActor.From(http), PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<DestinationDto>> Get(Guid id, HttpContext http, DestinationService destinations, CancellationToken ct) =>
        TypedResults.Ok(await destinations.GetAsync(HttpActor.From(http), id, ct));

    private static async Task<Created<DestinationDto>> Create(CreateDestinationRequest body, HttpContext http, DestinationService destinations, CancellationToken ct)
    {
        var created = await destinations.CreateAsync(HttpActor.From(http), body, ct);
        return TypedResults.Created($"/api/v1/destinations/{created.Id}", created);
    }

    private static async Task<Ok<DestinationDto>> Update(Guid id, UpdateDestinationRequest body, HttpContext http, DestinationService destinations, CancellationToken ct) =>
        TypedResults.Ok(await destinations.UpdateAsync(HttpActor.From(http), id, body, ct));

    private static async Task<Ok<DestinationDto>> Rotate(Guid id, RotateSecretRequest? body, HttpContext http, DestinationService destinations, CancellationToken ct) =>
        TypedResults.Ok(await destinations.RotateSecretAsync(HttpActor.From(http), id, body ?? new RotateSecretRequest(null), ct));

    private static async Task<NoContent> Delete(Guid id, HttpContext http, DestinationService destinations, CancellationToken ct)
    {
        await destinations.DeleteAsync(HttpActor.From(http), id, ct);
        return TypedResults.NoContent();
    }
}

[JsonSourceGenerationOptions(
    System.Text.Json.JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(DestinationDto))]
[JsonSerializable(typeof(Page<DestinationDto>))]
[JsonSerializable(typeof(CreateDestinationRequest))]
[JsonSerializable(typeof(UpdateDestinationRequest))]
[JsonSerializable(typeof(RotateSecretRequest))]
public sealed partial class DestinationsJsonContext : JsonSerializerContext;
