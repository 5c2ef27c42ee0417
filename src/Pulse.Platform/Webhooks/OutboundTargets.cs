using System.Globalization;
using Microsoft.Extensions.Configuration;
using Pulse.Platform.Access;

namespace Pulse.Platform.Webhooks;

/// <summary>
/// The operator's rule for every URL a workspace gives Pulse to call (alert webhooks, destination
/// webhooks and API base URLs), resolved in this one place from <see cref="Setting"/> or its older
/// alias <see cref="AliasSetting"/> (either true allows private targets; both default to false).
/// A module checks a URL with <see cref="Problem"/> when it is saved and sends through
/// <see cref="CreateHandler"/>, which checks every connection again after DNS and follows no redirects.
/// </summary>
public sealed class OutboundTargets(bool allowPrivate)
{
    public const string Setting = SecurityOptions.Section + ":" + nameof(SecurityOptions.AllowPrivateNetworkTargets);

    /// <summary>The setting's name before it governed alerts too; still honoured.</summary>
    public const string AliasSetting = "Destinations:AllowPrivateNetworkTargets";

    /// <summary>Whether targets on private, loopback or link-local networks are allowed.</summary>
    public bool AllowPrivate { get; } = allowPrivate;

    /// <summary>The rule as configured: allowed when either setting is true.</summary>
    public static OutboundTargets From(IConfiguration config) => new(Flag(config, Setting) || Flag(config, AliasSetting));

    /// <summary>What is wrong with <paramref name="url"/> as a target under this rule, or null when it may be used.</summary>
    public string? Problem(string? url) => TargetGuard.Problem(url, AllowPrivate);

    /// <summary>A handler whose connections keep to this rule after DNS, following no redirects (<see cref="TargetGuard.CreateHandler"/>).</summary>
    public System.Net.Http.SocketsHttpHandler CreateHandler() => TargetGuard.CreateHandler(AllowPrivate);

    private static bool Flag(IConfiguration config, string key) => config[key] switch
    {
        null or "" => false,
        var v when bool.TryParse(v, out var b) => b,
        var v => throw new InvalidOperationException(string.Format(CultureInfo.InvariantCulture, "{0} must be true or false; it is '{1}'.", key, v)),
    };
}
