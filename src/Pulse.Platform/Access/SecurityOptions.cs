using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Pulse.Platform.Access;

/// <summary>Section <c>Security</c>: lockout, password policy, rate limits, request limits, outbound targets.</summary>
public sealed class SecurityOptions
{
    public const string Section = "Security";

    /// <summary>The settings as configured, for code that needs them while services are being registered.</summary>
    public static SecurityOptions From(IConfiguration config) =>
        config.GetSection(Section).Get<SecurityOptions>() ?? new SecurityOptions();

    [Range(1, 100)] public int LockoutMaxFailedAttempts { get; set; } = 5;
    [Range(1, 24 * 60)] public int LockoutMinutes { get; set; } = 15;
    [Range(8, 128)] public int PasswordMinLength { get; set; } = 12;
    public bool PasswordRequireDigit { get; set; } = true;
    public bool PasswordRequireUpper { get; set; } = true;
    public bool PasswordRequireLower { get; set; } = true;
    public bool PasswordRequireSymbol { get; set; }
    [Range(1, 10_000)] public int LoginAttemptsPerMinute { get; set; } = 20;
    [Range(1, 1_000_000)] public int ApiRequestsPerSecond { get; set; } = 100;
    [Range(1, 1_000_000)] public int ApiBurst { get; set; } = 200;
    [Range(1024, 1024L * 1024 * 1024)] public long MaxRequestBodyBytes { get; set; } = 1024 * 1024;
    [Range(5, 7 * 24 * 60)] public int SessionMinutes { get; set; } = 8 * 60;
    /// <summary>Origins allowed to call the API from a browser; empty (the default) turns CORS off.</summary>
    public string[] CorsOrigins { get; set; } = [];
    /// <summary>
    /// Whether URLs set by workspaces (alert webhooks, destinations) may point into private, loopback
    /// or link-local networks; off by default against SSRF. Read it through
    /// <see cref="Webhooks.OutboundTargets"/>, which also honours the older
    /// <c>Destinations:AllowPrivateNetworkTargets</c>.
    /// </summary>
    public bool AllowPrivateNetworkTargets { get; set; }
}
