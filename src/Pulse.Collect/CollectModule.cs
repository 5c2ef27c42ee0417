using Microsoft.AspNetCore.Routing;
using Pulse.Platform;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pulse.Collect.Enrichment;
using Pulse.Collect.Ingest;
using Pulse.Collect.Log;
using Pulse.Collect.Profiles;
using Pulse.Collect.Sources;
using Pulse.Collect.Storage;
using Pulse.Platform.Privacy;
using Pulse.Platform.Storage;

namespace Pulse.Collect;

/// <summary>Registers the Collect module: sources, the event log, ingest, enrichment, tracking plans, quarantine.</summary>
public static class CollectModule
{
    /// <summary>Metadata and the log store; what the CLI needs without a web server.</summary>
    public static IServiceCollection AddCollectCore(this IServiceCollection services, IConfiguration config)
    {
        services.AddOptions<CollectOptions>().Bind(config.GetSection(CollectOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddModuleStore<CollectDbContext, PostgresCollectDbContext>("Collect", CollectDbContext.HistoryTable);
        services.AddScoped(sp => new SourceService(
            sp.GetRequiredService<CollectDbContext>(), sp.GetRequiredService<PulseDbContext>(), sp.GetRequiredService<Platform.Audit.AuditTrail>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<CollectOptions>>(), sp.GetRequiredService<Platform.Cluster.ICacheSignals>()));
        var mode = services.GetStorageMode();
        services.AddPostgresSchema<PostgresLogSchema>("EventLog", PostgresLogSchema.HistoryTable);
        if (mode.IsPostgres)
            services.AddSingleton<EventStore>(sp => new PostgresEventStore(sp.GetRequiredService<Npgsql.NpgsqlDataSource>()));
        else
            services.AddSingleton<EventStore>(sp => new DuckDbEventStore(sp.GetRequiredService<DataDirectory>(), sp.GetRequiredService<IOptions<CollectOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<CollectMetrics>();
        services.AddSingleton(sp => new Events.EventQueries(sp.GetRequiredService<EventStore>(), sp.GetService<EventLog>()));
        services.AddSingleton(sp => new Events.TrackedCounts(sp.GetRequiredService<EventStore>(), sp.GetService<EventLog>()));
        services.AddScoped(sp => new Events.Touchpoints(sp.GetRequiredService<EventStore>(), sp.GetService<EventLog>(), sp.GetRequiredService<ProfilesDbContext>()));
        services.AddSingleton(sp => new Events.EventFacts(sp.GetRequiredService<EventStore>(), sp.GetService<EventLog>(), sp.GetRequiredService<IServiceScopeFactory>()));
        services.AddSingleton(sp => new Events.EventExporter(sp.GetRequiredService<EventStore>(), sp.GetService<EventLog>()));
        services.AddModuleStore<ProfilesDbContext, PostgresProfilesDbContext>("Profiles", ProfilesDbContext.HistoryTable);
        // export-to-cluster: AddModuleStore exports each context's tables; the log and the profile builder's position are these.
        services.AddSingleton<IClusterExport, Log.Postgres.EventLogExport>();
        services.AddSingleton<IClusterExport, ProfileCheckpointExport>();
        services.AddSingleton(sp => new ProfileGate(mode.IsPostgres ? sp.GetRequiredService<Npgsql.NpgsqlDataSource>() : null));
        services.AddScoped(sp => new ProfileService(
            sp.GetRequiredService<ProfilesDbContext>(), sp.GetRequiredService<CollectDbContext>(), sp.GetRequiredService<PulseDbContext>(),
            sp.GetRequiredService<Platform.Audit.AuditTrail>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<ProfileGate>(),
            sp.GetRequiredService<Events.EventQueries>(), sp.GetServices<IDataSubjectStep>()));
        services.AddScoped(sp => new Plans.TrackingPlanService(
            sp.GetRequiredService<CollectDbContext>(), sp.GetRequiredService<PulseDbContext>(), sp.GetRequiredService<Platform.Audit.AuditTrail>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SourceService>(), sp.GetRequiredService<EventStore>(), sp.GetRequiredService<Platform.Cluster.ICacheSignals>(),
            sp.GetService<EventLog>()));
        services.AddScoped(sp => new Quarantine.QuarantineService(
            sp.GetRequiredService<CollectDbContext>(), sp.GetRequiredService<PulseDbContext>(), sp.GetRequiredService<Platform.Audit.AuditTrail>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SourceService>(), sp.GetService<EventLog>(), sp.GetService<Enricher>(),
            sp.GetService<SourceDirectory>()));
        services.AddScoped<IDataSubjectStep>(sp => new Quarantine.QuarantineSubjectStep(sp.GetRequiredService<Quarantine.QuarantineService>()));
        // Real-time visitor state: in Redis for the whole cluster (the CLI's erasures reach it too);
        // in embedded mode in the server's memory (AddCollectWeb).
        if (mode.IsPostgres)
        {
            services.AddSingleton<Profiles.Live.LiveProfiles, Profiles.Live.RedisLiveProfiles>();
            services.AddSingleton<IDataSubjectStep>(sp => new Profiles.Live.LiveProfilesSubjectStep(sp.GetRequiredService<Profiles.Live.LiveProfiles>()));
        }
        return services;
    }

    /// <summary>
    /// The event log's writer and loader, started as a hosted service, and what appending to it
    /// needs (enrichment, the source cache), with <see cref="LogOperations"/>. The server has it
    /// through <see cref="AddCollectWeb"/>; a CLI command that writes the log while no server holds
    /// it adds it to its own services and starts them.
    /// </summary>
    public static IServiceCollection AddCollectLog(this IServiceCollection services)
    {
        services.AddSingleton(sp => EventLog.Create(
            sp.GetRequiredService<EventStore>(), sp.GetRequiredService<IOptions<CollectOptions>>(), sp.GetRequiredService<CollectMetrics>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<EventLog>>()));
        services.AddHostedService(sp => sp.GetRequiredService<EventLog>());
        services.AddSingleton<UserAgentParser>();
        services.AddSingleton<ReferrerClassifier>();
        services.AddSingleton(sp => new GeoLookup(sp.GetRequiredService<IOptions<CollectOptions>>().Value.GeoIpDatabase));
        services.AddSingleton<Enricher>();
        services.AddSingleton<SourceDirectory>();
        services.AddScoped(sp => new LogOperations(sp.GetRequiredService<EventLog>(), sp.GetRequiredService<EventStore>(), sp.GetRequiredService<IOptions<CollectOptions>>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Platform.Audit.AuditTrail>(), sp.GetRequiredService<PulseDbContext>()));
        return services;
    }

    /// <summary>Ingest, enrichment and the log writer for the server.</summary>
    public static IServiceCollection AddCollectWeb(this IServiceCollection services)
    {
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, CollectJsonContext.Default));
        services.AddCollectLog();
        services.AddSingleton<SourceRateLimits>();
        services.AddSingleton<Quarantine.QuarantineStore>();
        if (!services.GetStorageMode().IsPostgres)
        {
            services.AddSingleton<Profiles.Live.LiveProfiles, Profiles.Live.MemoryLiveProfiles>();
            services.AddSingleton<IDataSubjectStep>(sp => new Profiles.Live.LiveProfilesSubjectStep(sp.GetRequiredService<Profiles.Live.LiveProfiles>()));
        }
        services.AddSingleton<Events.LiveTail>();
        services.AddHostedService(sp => sp.GetRequiredService<Events.LiveTail>());
        services.AddSingleton<IngestPipeline>();
        services.AddSingleton(sp => new ServerIngest(sp.GetRequiredService<IngestPipeline>()));
        services.AddSingleton(sp => new ClientFacts(sp.GetRequiredService<UserAgentParser>(), sp.GetRequiredService<GeoLookup>()));
        services.AddSingleton<IDataSubjectStep>(sp => new EventsSubjectStep(sp.GetRequiredService<EventLog>()));
        services.AddSingleton(sp => new ProfileBatches(sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<ProfileGate>(), sp.GetRequiredService<TimeProvider>(),
            logger: sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ProfileBatches>>()));
        services.AddSingleton(sp => new ProfileBuilder(
            sp.GetRequiredService<EventLog>(), sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<ProfileBatches>(),
            sp.GetRequiredService<StorageMode>().IsPostgres, sp.GetRequiredService<CollectMetrics>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<ProfileBuilder>>(),
            sp.GetRequiredService<Platform.Cluster.ILeases>(),
            sp.GetRequiredService<StorageMode>().IsPostgres ? sp.GetRequiredService<IOptions<CollectOptions>>().Value.ProfilePartitions : 1));
        services.AddHostedService(sp => sp.GetRequiredService<ProfileBuilder>());
        services.AddSingleton<IProfileProgress>(sp => sp.GetRequiredService<ProfileBuilder>());
        services.AddSingleton(sp => new ConsentOrder(sp.GetRequiredService<EventLog>(), sp.GetRequiredService<ProfileBuilder>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton(sp => new Anomalies.VolumeDetector(
            sp.GetRequiredService<EventStore>(), sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<IOptions<CollectOptions>>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<Anomalies.VolumeDetector>>(),
            sp.GetRequiredService<Platform.Cluster.ISingletonJobs>(), sp.GetRequiredService<EventLog>()));
        services.AddHostedService(sp => sp.GetRequiredService<Anomalies.VolumeDetector>());
        if (!services.GetStorageMode().IsPostgres)
            services.AddHostedService(sp => new SetAsideAlerts(sp.GetRequiredService<EventLog>(), sp.GetRequiredService<IServiceScopeFactory>(),
                sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<SetAsideAlerts>>()));
        if (!services.GetStorageMode().IsPostgres)
            services.AddHostedService(sp => new EmbeddedRetention(sp.GetRequiredService<EventLog>(), sp.GetRequiredService<IOptions<CollectOptions>>(),
                sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<EmbeddedRetention>>()));
        if (services.GetStorageMode().IsPostgres)
            services.AddHostedService(sp => new LogMaintenance((PostgresEventStore)sp.GetRequiredService<EventStore>(), sp.GetRequiredService<Platform.Cluster.ISingletonJobs>(),
                sp.GetRequiredService<IOptions<CollectOptions>>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Microsoft.Extensions.Logging.ILogger<LogMaintenance>>()));
        return services;
    }

    /// <summary>Maps the Collect module's part of the management API into <paramref name="api"/> (<c>/api/v1</c>).</summary>
    public static IEndpointRouteBuilder MapCollectApi(this IEndpointRouteBuilder api)
    {
        api.MapSources();
        Events.EventEndpoints.MapEvents(api);
        api.MapProfiles();
        Plans.TrackingPlanEndpoints.MapTrackingPlans(api);
        Quarantine.QuarantineEndpoints.MapQuarantine(api);
        return api;
    }

    /// <summary>Maps the public ingest endpoints (Segment API).</summary>
    public static IEndpointRouteBuilder MapCollectIngest(this IEndpointRouteBuilder app)
    {
        app.MapIngest();
        app.MapSdkSettings();
        Tag.TagEndpoints.MapTag(app);
        return app;
    }
}
