using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Routing;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Alerts;
using Pulse.Platform.ApiKeys;
using Pulse.Platform.Audit;
using Pulse.Platform.Http;
using Pulse.Platform.People;
using Pulse.Platform.Setup;
using Pulse.Platform.Storage;
using Pulse.Platform.Workspaces;

using Pulse.Platform.Webhooks;

namespace Pulse.Platform;

/// <summary>Registers the Platform module: storage, people, workspaces, API keys, audit.</summary>
public static class PlatformModule
{
    /// <summary>Storage and domain services only; what the CLI needs without a web server.</summary>
    public static IServiceCollection AddPlatformCore(this IServiceCollection services, IConfiguration config, DataDirectory data)
    {
        services.AddOptions<StorageOptions>().Bind(config.GetSection(StorageOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddOptions<SecurityOptions>().Bind(config.GetSection(SecurityOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        var security = SecurityOptions.From(config);
        services.AddSingleton(Webhooks.OutboundTargets.From(config));

        var storage = StorageOptions.From(config);
        services.AddSingleton(data);
        services.AddSingleton(new StorageMode(storage));
        services.AddSingleton(TimeProvider.System);
        services.AddOptions<Cluster.ClusterOptions>().Bind(config.GetSection(Cluster.ClusterOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddSingleton<Cluster.LocalRateGate>();
        if (storage.IsPostgres)
        {
            services.AddSingleton<Cluster.PostgresLeases>();
            services.AddSingleton<Cluster.ILeases>(sp => sp.GetRequiredService<Cluster.PostgresLeases>());
            services.AddSingleton(sp => new Cluster.RedisConnection(storage.Redis!,
                "pulse-" + sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Cluster.ClusterOptions>>().Value.ResolvedNodeName));
            services.AddSingleton<Cluster.IRateGate, Cluster.RedisRateGate>();
            services.AddSingleton<Cluster.RedisCacheSignals>();
            services.AddSingleton<Cluster.ICacheSignals>(sp => sp.GetRequiredService<Cluster.RedisCacheSignals>());
            services.AddSingleton<Cluster.IFanOut, Cluster.RedisFanOut>();
            services.AddSingleton<Cluster.ISingletonJobs, Cluster.PostgresSingletonJobs>();
        }
        else
        {
            services.AddSingleton<Cluster.ILeases, Cluster.LocalLeases>();
            services.AddSingleton<Cluster.IRateGate>(sp => sp.GetRequiredService<Cluster.LocalRateGate>());
            services.AddSingleton<Cluster.ICacheSignals, Cluster.LocalCacheSignals>();
            services.AddSingleton<Cluster.IFanOut, Cluster.LocalFanOut>();
            services.AddSingleton<Cluster.ISingletonJobs, Cluster.LocalSingletonJobs>();
        }
        if (storage.IsPostgres)
        {
            // One pool per process for EF Core and the modules' own SQL (the event log's COPY).
            services.AddSingleton(_ => PostgresStore.CreateDataSource(storage.Postgres!));
            services.AddDbContext<PulseDbContext, PostgresPulseDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<Npgsql.NpgsqlDataSource>()));
            services.AddScoped(sp => (PostgresPulseDbContext)sp.GetRequiredService<PulseDbContext>());
        }
        else
        {
            services.AddDbContext<PulseDbContext>(o => o.UseSqlite(data.SqliteConnectionString));
        }
        services.AddSingleton<Database>();
        // export-to-cluster: the Platform's tables first (others may refer to them), then the key ring.
        services.AddSingleton<IClusterExport>(new MetadataExport<PulseDbContext>("Platform tables"));
        services.AddSingleton<IClusterExport, KeyRingExport>();
        services.AddMetrics();
        services.AddSingleton<PlatformMetrics>();
        services.AddSingleton<AuditTrail>();
        services.AddScoped<AuditVerifier>();
        services.AddScoped<AuditQueries>();
        services.AddScoped<WorkspaceService>();
        services.AddScoped<MemberService>();
        services.AddScoped<UserService>();
        services.AddScoped<ApiKeyService>();
        services.AddSingleton<SetupTokens>();
        services.AddSingleton<Backups>();
        services.AddSingleton<LocalAdminToken>();
        services.AddScoped(sp => new AlertService(
            sp.GetRequiredService<PulseDbContext>(), sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<AlertNotifier>(),
            sp.GetRequiredService<Webhooks.OutboundTargets>()));
        services.AddScoped<IAlerts>(sp => sp.GetRequiredService<AlertService>());

        // Keys for sign-in cookies and account tokens are shared by the server and the CLI (whose
        // `user add` and `reset-password` need them) and kept across restarts: in the data directory,
        // or in PostgreSQL, where every node of a cluster finds the same keys.
        var protection = services.AddDataProtection().SetApplicationName("Pulse");
        if (storage.IsPostgres)
            protection.PersistKeysToDbContext<PostgresPulseDbContext>();
        else
            protection.PersistKeysToFileSystem(new DirectoryInfo(Path.Combine(data.Path, "keys")));

        services.AddIdentityCore<PulseUser>(o =>
            {
                o.User.RequireUniqueEmail = true;
                o.Lockout.AllowedForNewUsers = true;
                o.Lockout.MaxFailedAccessAttempts = security.LockoutMaxFailedAttempts;
                o.Lockout.DefaultLockoutTimeSpan = TimeSpan.FromMinutes(security.LockoutMinutes);
                o.Password.RequiredLength = security.PasswordMinLength;
                o.Password.RequireDigit = security.PasswordRequireDigit;
                o.Password.RequireUppercase = security.PasswordRequireUpper;
                o.Password.RequireLowercase = security.PasswordRequireLower;
                o.Password.RequireNonAlphanumeric = security.PasswordRequireSymbol;
                o.Password.RequiredUniqueChars = 4;
                o.SignIn.RequireConfirmedAccount = false;
            })
            .AddEntityFrameworkStores<PulseDbContext>()
            .AddSignInManager()
            .AddDefaultTokenProviders();
        return services;
    }

    /// <summary>
    /// A module's own tables: its EF Core context on the metadata store, sharing the Platform
    /// context's connection within a scope (so <see cref="AuditTrail"/> can commit a module's change
    /// with its audit entries), with its own migration history table, migrated by <see cref="Database"/>
    /// and copied by <c>pulse export-to-cluster</c> (its <see cref="IClusterExport"/>).
    /// </summary>
    /// <typeparam name="TContext">The module's context: the embedded (SQLite) model and migrations.</typeparam>
    /// <typeparam name="TPostgresContext">Its subclass for cluster mode, holding the PostgreSQL migrations.</typeparam>
    public static IServiceCollection AddModuleStore<TContext, TPostgresContext>(this IServiceCollection services, string module, string historyTable)
        where TContext : DbContext
        where TPostgresContext : TContext
    {
        if (services.GetStorageMode().IsPostgres)
        {
            services.AddDbContext<TContext, TPostgresContext>((sp, o) => o.UseNpgsql(
                sp.GetRequiredService<PulseDbContext>().Database.GetDbConnection(),
                x => x.MigrationsHistoryTable(historyTable)));
        }
        else
        {
            services.AddDbContext<TContext>((sp, o) => o.UseSqlite(
                sp.GetRequiredService<PulseDbContext>().Database.GetDbConnection(),
                x => x.MigrationsHistoryTable(historyTable)));
        }
        services.AddSingleton<IModuleSchema>(new ModuleSchema<TContext>(module));
        services.AddSingleton<IClusterExport>(new MetadataExport<TContext>(module + " tables"));
        return services;
    }

    /// <summary>
    /// A module's tables that exist only in cluster mode (on PostgreSQL), versioned by
    /// <typeparamref name="TContext"/>'s migrations and applied by <c>pulse migrate</c>; nothing in embedded mode.
    /// Having no embedded counterpart, it is not copied as tables: the module registers an <see cref="IClusterExport"/>
    /// that lists <typeparamref name="TContext"/> among its <see cref="IClusterExport.Stores"/>.
    /// </summary>
    public static IServiceCollection AddPostgresSchema<TContext>(this IServiceCollection services, string module, string historyTable)
        where TContext : DbContext
    {
        if (!services.GetStorageMode().IsPostgres)
            return services;
        services.AddDbContext<TContext>((sp, o) => o.UseNpgsql(
            sp.GetRequiredService<PulseDbContext>().Database.GetDbConnection(),
            x => x.MigrationsHistoryTable(historyTable)));
        services.AddSingleton<IModuleSchema>(new ModuleSchema<TContext>(module));
        return services;
    }

    /// <summary>The storage mode <see cref="AddPlatformCore"/> registered, for modules choosing their implementations while they register.</summary>
    public static StorageMode GetStorageMode(this IServiceCollection services) =>
        services.Select(d => d.ImplementationInstance).OfType<StorageMode>().SingleOrDefault()
            ?? throw new InvalidOperationException("AddPlatformCore must be called before a module registers its services.");

    /// <summary>Authentication for people (cookies) and machines (API keys) and the permission policies.</summary>
    public static IServiceCollection AddPlatformWeb(this IServiceCollection services, IConfiguration config)
    {
        var security = SecurityOptions.From(config);
        services.AddAuthentication(o =>
            {
                o.DefaultScheme = IdentityConstants.ApplicationScheme;
                o.DefaultSignInScheme = IdentityConstants.ExternalScheme;
            })
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies(c => c.ApplicationCookie?.Configure(o =>
            {
                o.Cookie.Name = "pulse.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax;
                o.LoginPath = "/account/login";
                o.LogoutPath = "/account/logout";
                o.AccessDeniedPath = "/account/denied";
                o.ExpireTimeSpan = TimeSpan.FromMinutes(security.SessionMinutes);
                o.SlidingExpiration = true;
            }));
        services.AddAuthorization(PermissionPolicies.AddPermissionPolicies);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, AlertJsonContext.Default));
        services.AddSingleton<AlertNotifier>();
        services.AddGuardedWebhookClient(AlertDelivery.HttpClientName, "Pulse-Alerts/1");
        services.AddHostedService<AlertDelivery>();
        if (services.GetStorageMode().IsPostgres)
        {
            services.AddHostedService(sp => sp.GetRequiredService<Cluster.PostgresLeases>());
            services.AddHostedService<Cluster.RedisListener>();
        }
        return services;
    }

    /// <summary>Maps the Platform module's part of the management API into <paramref name="api"/> (<c>/api/v1</c>).</summary>
    public static IEndpointRouteBuilder MapPlatformApi(this IEndpointRouteBuilder api)
    {
        api.MapWorkspaces();
        api.MapMembers();
        api.MapApiKeys();
        api.MapAudit();
        api.MapAlerts();
        return api;
    }
}
