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
using Pulse.Destinations.Delivery;
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
        services.AddOptions<DestinationsOptions>().Bind(config.GetSection(DestinationsOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddModuleStore<DestinationsDbContext, PostgresDestinationsDbContext>("Destinations", DestinationsDbContext.HistoryTable);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, DestinationsJsonContext.Default));
        services.AddSingleton<DeliveryStore>();
        services.AddSingleton<DeliveryMetrics>();
        services.AddSingleton<DeliveryClients>();
        services.AddScoped<Pulse.Platform.Privacy.IDataSubjectStep>(sp => new DestinationsSubjectStep(sp.GetRequiredService<DestinationsDbContext>(),
            sp.GetRequiredService<DeliveryClients>(), sp.GetRequiredService<IDataProtectionProvider>(), sp.GetRequiredService<IOptions<DestinationsOptions>>(),
            sp.GetRequiredService<TimeProvider>()));
        services.AddScoped(sp => new DestinationService(
            sp.GetRequiredService<DestinationsDbContext>(), sp.GetRequiredService<PulseDbContext>(), sp.GetRequiredService<Platform.Audit.AuditTrail>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SourceService>(), sp.GetRequiredService<IDataProtectionProvider>(),
            sp.GetRequiredService<Platform.Webhooks.OutboundTargets>(), id => sp.GetService<DeliveryEngine>()?.Signal(id)));
        services.AddScoped(sp => new DeliveryService(
            sp.GetRequiredService<DestinationsDbContext>(), sp.GetRequiredService<PulseDbContext>(), sp.GetRequiredService<Platform.Audit.AuditTrail>(),
            sp.GetRequiredService<Pulse.Collect.Log.EventLog>(), sp.GetRequiredService<DeliveryClients>(), sp.GetService<DeliveryEngine>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IDataProtectionProvider>(), sp.GetRequiredService<IOptions<DestinationsOptions>>()));
        return services;
    }

    /// <summary>The server's part: the delivery engine runs (not in CLI commands, which share the services).</summary>
    public static IServiceCollection AddDestinationsDelivery(this IServiceCollection services) =>
        services.AddSingleton<DeliveryEngine>().AddHostedService(sp => sp.GetRequiredService<DeliveryEngine>());

    public static IEndpointRouteBuilder MapDestinationsApi(this IEndpointRouteBuilder api)
    {
        var group = api.MapGroup("/destinations").WithTags("Destinations");
        group.MapGet("/", List).RequirePermission(Permission.DestinationsRead).WithSummary("Destinations of the workspace, paged; secrets masked.");
        group.MapGet("/erasures", Erasures).RequirePermission(Permission.DestinationsRead)
            .WithSummary("What each destination was told about data-subject erasures, newest first: sent, failed or unsupported (the platform documents no deletion).");
        group.MapGet("/{id:guid}", Get).RequirePermission(Permission.DestinationsRead).WithSummary("One destination; secrets masked.");
        group.MapPost("/", Create).RequirePermission(Permission.DestinationsManage)
            .WithSummary("Creates a destination: {type: webhook|meta|tiktok|linkedin|ga4, name, config, sources, events?, enabled?}; a webhook's signing secret is in this answer only.");
        group.MapPatch("/{id:guid}", Update).RequirePermission(Permission.DestinationsManage)
            .WithSummary("Changes name, enabled, config (secrets left out are kept), sources or events; fields left out stay.");
        group.MapPost("/{id:guid}/rotate-secret", Rotate).RequirePermission(Permission.DestinationsManage)
            .WithSummary("A webhook destination's new signing secret (in this answer only); the old one keeps signing for overlapHours (default 24, at most 168).");
        group.MapDelete("/{id:guid}", Delete).RequirePermission(Permission.DestinationsManage).WithSummary("Deletes a destination and its delivery records.");
        group.MapGet("/{id:guid}/status", Status).RequirePermission(Permission.DestinationsRead)
            .WithSummary("How delivery stands: position in the log, how far behind, requests in flight, oldest pending event, circuit, last error, dead letters.");
        group.MapGet("/{id:guid}/activity", Activity).RequirePermission(Permission.DestinationsRead)
            .WithSummary("Events delivered and requests by outcome per minute over the last minutes= (1 to 1440, default 60).");
        group.MapGet("/{id:guid}/deliveries", Deliveries).RequirePermission(Permission.DestinationsRead)
            .WithSummary("The delivery log, newest first: each request with its events, status, latency and the platform's answer; messageId= for one event's attempts, outcome= delivered|failed|rejected.");
        group.MapGet("/{id:guid}/dead-letters", DeadLetters).RequirePermission(Permission.DestinationsRead)
            .WithSummary("Events the destination could not take, newest first, with the reason; state= dead|queued|redelivered, event=.");
        group.MapPost("/{id:guid}/dead-letters/redrive", Redrive).RequirePermission(Permission.DestinationsManage)
            .WithSummary("Sends dead letters again: {ids: [...]} or {all: true, event?, from?, to?}.");
        group.MapPost("/{id:guid}/replays", Replay).RequirePermission(Permission.DestinationsManage)
            .WithSummary("Replays the events received in [from, to) into the destination (back-fill); to defaults to now.");
        group.MapGet("/{id:guid}/replays", Replays).RequirePermission(Permission.DestinationsRead).WithSummary("The destination's latest replays with their progress.");
        group.MapPost("/{id:guid}/replays/{replayId:guid}/cancel", CancelReplay).RequirePermission(Permission.DestinationsManage).WithSummary("Stops a replay.");
        group.MapPost("/{id:guid}/test", Test).RequirePermission(Permission.DestinationsManage)
            .WithSummary("Sends one sample event to the destination now and returns the platform's answer.");
        return api;
    }

    /// <summary>The demo's built-in receivers, when <c>Destinations:DemoSink</c> is on (only <c>pulse demo</c> sets it).</summary>
    public static IEndpointRouteBuilder MapDestinationsDemoSink(this IEndpointRouteBuilder app) =>
        app.ServiceProvider.GetRequiredService<IOptions<DestinationsOptions>>().Value.DemoSink ? app.MapDemoSink() : app;

    private static async Task<Ok<Page<DestinationErasureDto>>> Erasures(string? cursor, int? limit, HttpContext http, DeliveryService deliveries, CancellationToken ct) =>
        TypedResults.Ok(await deliveries.ErasuresAsync(HttpActor.From(http), PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<DestinationStatusDto>> Status(Guid id, HttpContext http, DeliveryService deliveries, CancellationToken ct) =>
        TypedResults.Ok(await deliveries.StatusAsync(HttpActor.From(http), id, ct));

    private static async Task<Ok<IReadOnlyList<DeliveryMinuteDto>>> Activity(Guid id, int? minutes, HttpContext http, DeliveryService deliveries, CancellationToken ct) =>
        TypedResults.Ok(await deliveries.ActivityAsync(HttpActor.From(http), id, minutes ?? 60, ct));

    private static async Task<Ok<Page<DeliveryAttemptDto>>> Deliveries(Guid id, string? messageId, string? outcome, string? cursor, int? limit, HttpContext http,
        DeliveryService deliveries, CancellationToken ct) =>
        TypedResults.Ok(await deliveries.DeliveriesAsync(HttpActor.From(http), id, messageId, outcome, PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<Page<DeadLetterDto>>> DeadLetters(Guid id, string? state, [Microsoft.AspNetCore.Mvc.FromQuery(Name = "event")] string? eventName,
        string? cursor, int? limit, HttpContext http, DeliveryService deliveries, CancellationToken ct) =>
        TypedResults.Ok(await deliveries.DeadLettersAsync(HttpActor.From(http), id, state, eventName, PageRequest.Create(cursor, limit), ct));

    private static async Task<Ok<RedriveResult>> Redrive(Guid id, RedriveRequest body, HttpContext http, DeliveryService deliveries, CancellationToken ct) =>
        TypedResults.Ok(await deliveries.RedriveAsync(HttpActor.From(http), id, body, ct));

    private static async Task<Accepted<LogReplayDto>> Replay(Guid id, ReplayRequest body, HttpContext http, DeliveryService deliveries, CancellationToken ct)
    {
        var replay = await deliveries.ReplayAsync(HttpActor.From(http), id, body, ct);
        return TypedResults.Accepted($"/api/v1/destinations/{id}/replays", replay);
    }

    private static async Task<Ok<IReadOnlyList<LogReplayDto>>> Replays(Guid id, HttpContext http, DeliveryService deliveries, CancellationToken ct) =>
        TypedResults.Ok(await deliveries.ReplaysAsync(HttpActor.From(http), id, ct));

    private static async Task<Ok<LogReplayDto>> CancelReplay(Guid id, Guid replayId, HttpContext http, DeliveryService deliveries, CancellationToken ct) =>
        TypedResults.Ok(await deliveries.CancelReplayAsync(HttpActor.From(http), id, replayId, ct));

    private static async Task<Ok<TestEventResult>> Test(Guid id, HttpContext http, DeliveryService deliveries, CancellationToken ct) =>
        TypedResults.Ok(await deliveries.TestAsync(HttpActor.From(http), id, ct));

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
[JsonSerializable(typeof(DestinationStatusDto))]
[JsonSerializable(typeof(Page<DeliveryAttemptDto>))]
[JsonSerializable(typeof(Page<DeadLetterDto>))]
[JsonSerializable(typeof(RedriveRequest))]
[JsonSerializable(typeof(RedriveResult))]
[JsonSerializable(typeof(ReplayRequest))]
[JsonSerializable(typeof(LogReplayDto))]
[JsonSerializable(typeof(IReadOnlyList<LogReplayDto>))]
[JsonSerializable(typeof(TestEventResult))]
[JsonSerializable(typeof(Page<DestinationErasureDto>))]
[JsonSerializable(typeof(IReadOnlyList<DeliveryMinuteDto>))]
public sealed partial class DestinationsJsonContext : JsonSerializerContext;
