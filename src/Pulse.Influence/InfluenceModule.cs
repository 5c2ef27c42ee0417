using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.DataProtection;
using Pulse.Influence.Attribution;
using Microsoft.Extensions.Options;
using Pulse.Collect.Events;
using Pulse.Collect.Sources;
using Pulse.Influence.Codes;
using Pulse.Influence.Commissions;
using Pulse.Influence.Conversions;
using Pulse.Influence.Creators;
using Pulse.Influence.Fraud;
using Pulse.Influence.Links;
using Pulse.Influence.Money;
using Pulse.Influence.Roi;
using Pulse.Influence.Shops;
using Pulse.Platform.Cluster;
using Pulse.Influence.Storage;
using Pulse.Platform;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Influence;

/// <summary>
/// Registers the Influence module (creators, links, codes, orders, attribution, commissions): its
/// store with migrations for SQLite and PostgreSQL (so <c>migrate</c> and <c>export-to-cluster</c>
/// cover it), its services and its JSON contract.
/// </summary>
public static class InfluenceModule
{
    public static IServiceCollection AddInfluence(this IServiceCollection services, IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        services.AddModuleStore<InfluenceDbContext, PostgresInfluenceDbContext>("Influence", InfluenceDbContext.HistoryTable);
        services.AddScoped(sp => new CreatorService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<PulseDbContext>(),
            sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IDataProtectionProvider>()));
        services.AddOptions<CommissionsOptions>().Bind(config.GetSection(CommissionsOptions.Section));
        services.AddOptions<EmvOptions>().Bind(config.GetSection(EmvOptions.Section)).ValidateDataAnnotations()
            .Validate(o => Money.Currencies.Parse(o.Currency) is not null, "Emv:Currency is an ISO 4217 currency code.").ValidateOnStart();
        services.AddOptions<LinksOptions>().Bind(config.GetSection(LinksOptions.Section)).ValidateDataAnnotations().ValidateOnStart();
        services.AddScoped(sp => new LinkService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<PulseDbContext>(),
            sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<SourceService>(),
            sp.GetRequiredService<TrackedCounts>(), sp.GetRequiredService<ICacheSignals>())
        {
            BaseUrl = sp.GetRequiredService<IOptions<LinksOptions>>().Value.BaseUrl ?? "",
        });
        services.AddScoped(sp => new CodeService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<PulseDbContext>(),
            sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>()));
        services.AddScoped(sp => new ConversionService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<TrackedCounts>(), sp.GetRequiredService<EventFacts>(), sp.GetRequiredService<IOptions<LinksOptions>>()));
        services.AddScoped(sp => new AttributionReport(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<Touchpoints>(),
            sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IOptions<LinksOptions>>()));
        services.AddScoped(sp => new Commissions.CommissionService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<PulseDbContext>(),
            sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IDataProtectionProvider>(),
            sp.GetService<Pulse.Platform.Webhooks.OutboundTargets>()));
        services.AddScoped(sp => new Fraud.FraudService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<PulseDbContext>(),
            sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>()));
        services.AddScoped(sp => new ShopService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<PulseDbContext>(),
            sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<IDataProtectionProvider>()));
        services.AddScoped(sp => new QrLogoService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<PulseDbContext>(),
            sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>()));
        services.AddScoped(sp => new Money.ExchangeRateService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<PulseDbContext>(),
            sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>()));
        services.AddScoped(sp => new Roi.RoiReport(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<AttributionReport>(), sp.GetRequiredService<TrackedCounts>(),
            sp.GetRequiredService<IOptions<EmvOptions>>().Value));
        services.AddScoped(sp => new Partners.PartnerAccessService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<PulseDbContext>(),
            sp.GetRequiredService<AuditTrail>(), sp.GetRequiredService<TimeProvider>(), sp.GetRequiredService<Pulse.Platform.People.MemberService>(),
            sp.GetRequiredService<Microsoft.AspNetCore.Identity.UserManager<Pulse.Platform.People.PulseUser>>(), sp.GetRequiredService<Pulse.Platform.Workspaces.WorkspaceService>()));
        services.AddScoped(sp => new Partners.PartnerService(sp.GetRequiredService<InfluenceDbContext>(), sp.GetRequiredService<LinkService>(),
            sp.GetRequiredService<CodeService>(), sp.GetRequiredService<Commissions.CommissionService>(), sp.GetRequiredService<TrackedCounts>(), sp.GetRequiredService<TimeProvider>()));
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, InfluenceJsonContext.Default));
        return services;
    }

    /// <summary>The server's part: the redirect's route cache, the click recorder, the reader of Order Completed events and the approval of commissions past their hold (not in CLI commands, which share the services).</summary>
    public static IServiceCollection AddInfluenceRedirects(this IServiceCollection services) =>
        services.AddSingleton(sp => new LinkRoutes(sp.GetRequiredService<IServiceScopeFactory>(), sp.GetRequiredService<ICacheSignals>()))
            .AddSingleton<ClickRecorder>().AddHostedService(sp => sp.GetRequiredService<ClickRecorder>())
            .AddSingleton<OrderEvents>().AddHostedService(sp => sp.GetRequiredService<OrderEvents>())
            .AddHostedService<CommissionApprover>()
            .AddSingleton<ClickCommissions>().AddHostedService(sp => sp.GetRequiredService<ClickCommissions>())
            .AddPayoutWebhooks();

    /// <summary>Posting payouts to the workspace's webhook: only to targets the operator allows (TargetGuard), no redirects followed, transient failures retried.</summary>
    private static IServiceCollection AddPayoutWebhooks(this IServiceCollection services)
    {
        Pulse.Platform.Webhooks.WebhookClients.AddGuardedWebhookClient(services, PayoutWebhookDelivery.HttpClientName, "Pulse-Payouts/1");
        return services.AddSingleton<PayoutWebhookDelivery>().AddHostedService(sp => sp.GetRequiredService<PayoutWebhookDelivery>());
    }

    /// <summary>The short links' redirect (<c>/l/{slug}</c>, and <c>/{slug}</c> on link domains) and the shops' signed webhooks (<c>/hooks/{platform}/{id}</c>).</summary>
    public static IEndpointRouteBuilder MapInfluenceRedirects(this IEndpointRouteBuilder app) => app.MapLinkRedirects().MapShopWebhooks();

    public static IEndpointRouteBuilder MapInfluenceApi(this IEndpointRouteBuilder api)
    {
        api.MapAttribution();
        api.MapCreators();
        api.MapLinks();
        api.MapConversions();
        api.MapShops();
        api.MapCommissions();
        api.MapFraud();
        api.MapRoi();
        api.MapRates();
        return api;
    }
}

[JsonSourceGenerationOptions(
    System.Text.Json.JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RoiReportDto))]
[JsonSerializable(typeof(CreatorPostRequest))]
[JsonSerializable(typeof(CreatorPostDto))]
[JsonSerializable(typeof(IReadOnlyList<CreatorPostDto>))]
[JsonSerializable(typeof(IReadOnlyList<Money.ExchangeRateDto>))]
[JsonSerializable(typeof(Money.SetRatesRequest))]
[JsonSerializable(typeof(PayoutWebhookDto))]
[JsonSerializable(typeof(PayoutWebhookRequest))]
[JsonSerializable(typeof(LinkImportReport))]
[JsonSerializable(typeof(Partners.PartnerInviteDto))]
[JsonSerializable(typeof(Partners.PartnerAccessDto))]
[JsonSerializable(typeof(Partners.PartnerAccessRequest))]
[JsonSerializable(typeof(AnalyzeRequest))]
[JsonSerializable(typeof(AnalyzeResult))]
[JsonSerializable(typeof(AttributionReportDto))]
[JsonSerializable(typeof(CreatorDto))]
[JsonSerializable(typeof(Page<CreatorDto>))]
[JsonSerializable(typeof(CreateCreatorRequest))]
[JsonSerializable(typeof(UpdateCreatorRequest))]
[JsonSerializable(typeof(AddNoteRequest))]
[JsonSerializable(typeof(NoteDto))]
[JsonSerializable(typeof(CreatorGroupDto))]
[JsonSerializable(typeof(IReadOnlyList<CreatorGroupDto>))]
[JsonSerializable(typeof(CreatorGroupRequest))]
[JsonSerializable(typeof(CreatorImportReport))]
[JsonSerializable(typeof(IReadOnlyDictionary<string, int>))]
[JsonSerializable(typeof(LinkDto))]
[JsonSerializable(typeof(Page<LinkDto>))]
[JsonSerializable(typeof(CreateLinkRequest))]
[JsonSerializable(typeof(UpdateLinkRequest))]
[JsonSerializable(typeof(LinkStatsDto))]
[JsonSerializable(typeof(BulkLinkRequest))]
[JsonSerializable(typeof(BulkLinkResult))]
[JsonSerializable(typeof(CodeDto))]
[JsonSerializable(typeof(Page<CodeDto>))]
[JsonSerializable(typeof(CreateCodeRequest))]
[JsonSerializable(typeof(UpdateCodeRequest))]
[JsonSerializable(typeof(ConversionRequest))]
[JsonSerializable(typeof(ConversionDto))]
[JsonSerializable(typeof(Page<ConversionDto>))]
[JsonSerializable(typeof(RefundRequest))]
[JsonSerializable(typeof(ShopDto))]
[JsonSerializable(typeof(IReadOnlyList<ShopDto>))]
[JsonSerializable(typeof(CreateShopRequest))]
[JsonSerializable(typeof(Dictionary<string, string>))]
[JsonSerializable(typeof(ProgramRequest))]
[JsonSerializable(typeof(ProgramDto))]
[JsonSerializable(typeof(IReadOnlyList<ProgramDto>))]
[JsonSerializable(typeof(CommissionDto))]
[JsonSerializable(typeof(Page<CommissionDto>))]
[JsonSerializable(typeof(CommissionActionRequest))]
[JsonSerializable(typeof(CommissionActionResult))]
[JsonSerializable(typeof(ManualCommissionRequest))]
[JsonSerializable(typeof(PayoutRequest))]
[JsonSerializable(typeof(PayoutRecordDto))]
[JsonSerializable(typeof(IReadOnlyList<PayoutRecordDto>))]
[JsonSerializable(typeof(StatementDto))]
[JsonSerializable(typeof(FraudFlagDto))]
[JsonSerializable(typeof(IReadOnlyList<FraudFlagDto>))]
[JsonSerializable(typeof(ResolveFlagRequest))]
public sealed partial class InfluenceJsonContext : JsonSerializerContext;
