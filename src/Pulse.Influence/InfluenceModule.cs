using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Influence.Attribution;

namespace Pulse.Influence;

/// <summary>
/// Registers the Influence module (creators, links, codes, orders, attribution, commissions). It
/// begins with attribution over journeys the caller supplies; the features that keep data bring
/// the module's store and migrations with them.
/// </summary>
public static class InfluenceModule
{
    public static IServiceCollection AddInfluence(this IServiceCollection services, IConfiguration config)
    {
        ArgumentNullException.ThrowIfNull(config);
        services.ConfigureHttpJsonOptions(o => o.SerializerOptions.TypeInfoResolverChain.Insert(0, InfluenceJsonContext.Default));
        return services;
    }

    public static IEndpointRouteBuilder MapInfluenceApi(this IEndpointRouteBuilder api)
    {
        api.MapAttribution();
        return api;
    }
}

[JsonSourceGenerationOptions(
    System.Text.Json.JsonSerializerDefaults.Web,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
    DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(AnalyzeRequest))]
[JsonSerializable(typeof(AnalyzeResult))]
public sealed partial class InfluenceJsonContext : JsonSerializerContext;
