using Microsoft.Extensions.Configuration;

namespace Pulse.Hosting;

/// <summary>
/// One order of precedence for the server and every CLI command: appsettings.json, then
/// environment variables with the PULSE_ prefix (PULSE_Storage__Mode), then command-line flags.
/// </summary>
internal static class PulseConfiguration
{
    public static IConfigurationBuilder AddPulseSources(this IConfigurationBuilder builder, IReadOnlyDictionary<string, string?> flags)
    {
        builder.SetBasePath(AppContext.BaseDirectory);
        builder.AddJsonFile("appsettings.json", optional: true, reloadOnChange: false);
        builder.AddEnvironmentVariables("PULSE_");
        builder.AddInMemoryCollection(flags);
        return builder;
    }

    public static IConfigurationRoot Build(IReadOnlyDictionary<string, string?> flags) =>
        new ConfigurationBuilder().AddPulseSources(flags).Build();
}
