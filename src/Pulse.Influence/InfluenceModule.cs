using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.DataProtection;
using Pulse.Influence.Attribution;
using Pulse.Influence.Creators;
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
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, InfluenceJsonContext.Default));
        return services;
    }

    public static IEndpointRouteBuilder MapInfluenceApi(this IEndpointRouteBuilder api)
    {
        api.MapAttribution();
        api.MapCreators();
        return api;
    }
}

[JsonSourceGenerationOptions(
    System.Text.Json.JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AnalyzeRequest))]
[JsonSerializable(typeof(AnalyzeResult))]
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
public sealed partial class InfluenceJsonContext : JsonSerializerContext;
