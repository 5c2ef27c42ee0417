using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Events;
using Pulse.Collect.Sources;
using Pulse.Influence.Conversions;
using Pulse.Influence.Links;
using Pulse.Influence.Storage;

namespace Pulse.Influence.Fraud;

/// <summary>
/// The rules that look at the click behind a creator's conversion (the click id the order carried,
/// else the customer's latest click on the creator's links in the click window) on the event log:
/// click spam (bots, data centres, one IP or one network clicking over and over), cookie stuffing
/// (orders seconds after the click, clicks nobody landed from, clicks from somewhere the link was
/// not posted), bidding on the brand's name in search ads, and codes used with no click at all.
/// </summary>
internal static class ClickRules
{
    public const string BotClick = "bot_click";
    public const string DatacenterIp = "datacenter_ip";
    public const string ClickVelocityIp = "click_velocity_ip";
    public const string ClickVelocitySubnet = "click_velocity_subnet";
    public const string FastOrder = "click_to_order_fast";
    public const string NoLanding = "click_without_visit";
    public const string ReferrerMismatch = "referrer_mismatch";
    public const string BrandBidding = "brand_keyword_bidding";
    public const string CouponWithoutClick = "coupon_without_click";
    public const string SelfReferralDevice = "self_referral_device";

    /// <summary>Clicks on one creator's links from one IP address within the hour before the order's click from which it is spam.</summary>
    public const int IpClicksPerHour = 20;
    /// <summary>The same from one network (IPv4 /24, IPv6 /48), spread over addresses.</summary>
    public const int SubnetClicksPerHour = 60;
    /// <summary>An order this soon after its click was not browsed and paid for by the person who clicked.</summary>
    public static readonly TimeSpan FastOrderLimit = TimeSpan.FromSeconds(30);

    private static readonly string[] Props = ["creatorId", "platform", "destination"];
    private static readonly string[] PaidSearchIds = ["gclid", "gbraid", "wbraid", "dclid", "msclkid"];

    private static readonly Lazy<List<(IPNetwork Network, string Provider)>> Datacenters = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Pulse.Influence.Fraud.Data.datacenter-ranges.txt")
            ?? throw new InvalidOperationException("The data-centre ranges are missing from the assembly.");
        using var reader = new StreamReader(stream);
        var list = new List<(IPNetwork, string)>();
        while (reader.ReadLine() is { } line)
        {
            if (line.Trim() is not { Length: > 0 } l || l.StartsWith('#'))
                continue;
            var parts = l.Split(' ', 2, StringSplitOptions.TrimEntries);
            list.Add((IPNetwork.Parse(parts[0]), parts[1]));
        }
        return list;
    });

    /// <summary>The hosting provider's range <paramref name="ip"/> lies in, or null.</summary>
    public static (IPNetwork Network, string Provider)? Datacenter(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        foreach (var d in Datacenters.Value)
        {
            if (d.Network.Contains(ip))
                return d;
        }
        return null;
    }

    /// <summary>The network a click farm rotates addresses in: /24 for IPv4, /48 for IPv6.</summary>
    public static IPNetwork Subnet(IPAddress ip)
    {
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        var bits = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 24 : 48;
        var bytes = ip.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(bits - i * 8, 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }
        return new IPNetwork(new IPAddress(bytes), bits);
    }

    public static async Task CheckAsync(EventFacts events, InfluenceDbContext db, Conversion c, Guid creatorId, int windowDays,
        List<(string Rule, int Score, string Evidence)> found, CancellationToken ct)
    {
        var creator = creatorId.ToString();
        var windowStart = c.OccurredAt.AddDays(-windowDays);
        EventFact? click = null;
        if (c.ClickId is { } id)
            click = await events.FindAsync(c.WorkspaceId, LinkService.ClickEvent, id, Props, ct);
        // A click on another creator's link says nothing about this creator's credit.
        if (click is not null && (click.Properties["creatorId"] != creator || click.At < windowStart || click.At > c.OccurredAt))
            click = null;
        if (click is null && c.AnonymousId is { } anon)
            click = await events.LatestAsync(c.WorkspaceId, LinkService.ClickEvent, "creatorId", creator, anon, windowStart, c.OccurredAt, Props, ct);
        if (click is null)
        {
            if (c.AttributedBy == "code")
                await CouponWithoutClickAsync(events, db, c, creatorId, windowStart, found, ct);
            return;
        }

        if (click.IsBot)
            found.Add((BotClick, 80, $"The click came from an automated client ({click.BotName ?? "a bot"}; user agent \"{Short(click.UserAgent)}\"), not a person's browser."));
        if (click.Ip is { } ip)
        {
            var mode = await events.IpModeAsync(c.WorkspaceId, ct);
            await IpRulesAsync(events, c, creator, click, ip, mode, found, ct);
            await OwnDeviceAsync(db, c, creatorId, click, ip, mode, found, ct);
        }
        var gap = c.OccurredAt - click.At;
        if (gap < FastOrderLimit)
            found.Add((FastOrder, 60, $"The order came {gap.TotalSeconds:0} seconds after the click: too soon to have browsed and paid. A click forced in just before checkout takes the credit (cookie stuffing)."));
        // Only where the shop runs the tag (page views are recorded) can a missing landing be seen.
        else if (await events.PagesAsync(c.WorkspaceId, click.At.AddMinutes(-5), c.OccurredAt, null, ct) > 0
                 && await events.PagesAsync(c.WorkspaceId, click.At.AddMinutes(-5), c.OccurredAt, click.MessageId, ct) == 0)
            found.Add((NoLanding, 40, $"Nobody landed on the shop from the click ({click.MessageId}): the shop recorded page views in that time, none carrying its click id. A click made in a hidden frame or image drops the cookie without a visit (cookie stuffing)."));

        if (click.Properties["platform"] is { Length: > 0 } platform && click.ReferrerDomain is { } domain
            && click.ReferrerType is not ("internal" or "direct") && !FromPlatform(platform, click))
            found.Add((ReferrerMismatch, 50, $"The link is for {platform} posts but the click came from {domain}{(click.ReferrerType is { } t ? $" ({t})" : "")}: the link is being spread where the creator did not post it."));

        if (click.Properties["destination"] is { } destination && PaidSearchId(destination) is { } paid)
            found.Add((BrandBidding, 60, $"The click came from a paid search ad ({paid} on the link's address{(click.ReferrerDomain is { } d ? ", referrer " + d : "")}): a partner bidding on the brand's name takes credit for customers who were searching for the brand anyway."));
    }

    /// <summary>
    /// The address rules, read as the workspace stores addresses: whole addresses get the per-address
    /// and per-network counts and the data-centre lookup; addresses cut to their network (the
    /// default) get the network count and the lookup; pseudonyms only the per-address count.
    /// </summary>
    private static async Task IpRulesAsync(EventFacts events, Conversion c, string creator, EventFact click, string ip, IpMode mode,
        List<(string Rule, int Score, string Evidence)> found, CancellationToken ct)
    {
        if (mode == IpMode.Drop)
            return;
        IPAddress? address = null;
        if (mode != IpMode.Pseudonymise && IPAddress.TryParse(ip, out var parsed))
            address = parsed.IsIPv4MappedToIPv6 ? parsed.MapToIPv4() : parsed;
        if (address is not null && Datacenter(address) is { } dc)
            found.Add((DatacenterIp, 70, $"The click came from {(mode == IpMode.Truncate ? Subnet(address).ToString() : ip)}, in {dc.Provider}'s data-centre range {dc.Network}: people click from homes and phones, not from servers."));
        var ips = await events.IpsAsync(c.WorkspaceId, LinkService.ClickEvent, "creatorId", creator, click.At.AddHours(-1), click.At, ct);
        if (mode == IpMode.Truncate)
        {
            // Each stored value is already a whole network: many people share one, so only the network threshold applies.
            if (address is not null && ips.Where(x => x.Ip == ip).Sum(x => x.Count) is var total && total >= SubnetClicksPerHour)
                found.Add((ClickVelocitySubnet, 50, $"{total} clicks on this creator's links came from the network {Subnet(address)} in the hour up to this order's click: a click farm rotates addresses within one network."));
            return;
        }
        var fromIp = ips.Where(x => x.Ip == ip).Sum(x => x.Count);
        if (fromIp >= IpClicksPerHour)
        {
            found.Add((ClickVelocityIp, 60, $"{fromIp} clicks on this creator's links came from {(mode == IpMode.Pseudonymise ? "one address" : ip)} in the hour up to this order's click."));
            return;
        }
        if (address is null)
            return;
        var net = Subnet(address);
        var inNet = ips.Where(x => IPAddress.TryParse(x.Ip, out var a) && net.Contains(a.IsIPv4MappedToIPv6 ? a.MapToIPv4() : a)).ToList();
        if (inNet.Sum(x => x.Count) is var sum && sum >= SubnetClicksPerHour)
            found.Add((ClickVelocitySubnet, 50, $"{sum} clicks on this creator's links came from {inNet.Count} addresses in {net} in the hour up to this order's click: a click farm rotates addresses within one network."));
    }

    /// <summary>
    /// The order's click came from the browser (same user agent) and address the creator signs in to
    /// the partner portal with, the address compared as the workspace stores it (whole, or cut to its network).
    /// </summary>
    private static async Task OwnDeviceAsync(InfluenceDbContext db, Conversion c, Guid creatorId, EventFact click, string ip, IpMode mode,
        List<(string Rule, int Score, string Evidence)> found, CancellationToken ct)
    {
        if (click.UserAgent is not { Length: > 0 } ua)
            return;
        var since = click.At.AddDays(-Partners.PartnerAccessService.SignInDays);
        var signIns = await db.PartnerSignIns.AsNoTracking().Where(s => s.WorkspaceId == c.WorkspaceId && s.CreatorId == creatorId && s.UserAgent == ua
            && s.At >= since && s.At <= c.OccurredAt.AddDays(1)).Select(s => new { s.Ip, s.At }).ToListAsync(ct);
        if (signIns.Count == 0)
            return;
        string? Stored(string signInIp) => !IPAddress.TryParse(signInIp, out var a) ? null : mode switch
        {
            IpMode.Full => a.ToString(),
            IpMode.Truncate => Subnet(a).BaseAddress.ToString(),
            _ => null,
        };
        if (signIns.FirstOrDefault(s => Stored(s.Ip) == ip) is { } match)
            found.Add((SelfReferralDevice, 70, $"The order's click came from the browser and {(mode == IpMode.Truncate ? "network" : "address")} ({ip}) the creator signed in to the partner portal with on {match.At.UtcDateTime:yyyy-MM-dd} (user agent \"{Short(ua)}\")."));
    }

    /// <summary>A code-credited order whose customer never clicked the creator's links nor came from a visit tagged for them, but from somewhere else.</summary>
    private static async Task CouponWithoutClickAsync(EventFacts events, InfluenceDbContext db, Conversion c, Guid creatorId, DateTimeOffset windowStart,
        List<(string Rule, int Score, string Evidence)> found, CancellationToken ct)
    {
        if (c.AnonymousId is not { } anon)
            return;
        var visits = await events.VisitsAsync(c.WorkspaceId, anon, windowStart, c.OccurredAt, ct);
        var handles = (await db.Handles.AsNoTracking().Where(h => h.CreatorId == creatorId).Select(h => h.Handle).ToListAsync(ct)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        bool Tagged(VisitFact v) =>
            v.Event == LinkService.ClickEvent
            || v.UtmSource is { } s && handles.Contains(s.Trim().TrimStart('@'))
            || v.UtmContent is { } k && handles.Contains(k.Trim().TrimStart('@'));
        if (visits.Count == 0 || visits.Any(Tagged))
            return;
        var from = visits.FirstOrDefault(v => v.ReferrerDomain is not null && v.ReferrerType is "other" or "search");
        if (from is null)
            return;
        found.Add((CouponWithoutClick, 45, $"The code {c.Code} was used by a visitor who never clicked this creator's links nor came from their posts, but from {from.ReferrerDomain} ({from.ReferrerType}): a code shared on coupon sites takes credit for sales the creator did not bring."));
    }

    private static bool FromPlatform(string platform, EventFact click)
    {
        if (click.ReferrerType != "social" || click.ReferrerName is null)
            return false;
        var name = click.ReferrerName.ToLowerInvariant();
        return platform.ToLowerInvariant() switch
        {
            // Meta's apps share one in-app browser and link shim.
            "instagram" or "facebook" => name is "instagram" or "facebook" or "threads",
            var p => name == p,
        };
    }

    private static string? PaidSearchId(string destination)
    {
        if (!Uri.TryCreate(destination, UriKind.Absolute, out var uri) || uri.Query.Length < 2)
            return null;
        var query = QueryHelpers.ParseQuery(uri.Query);
        return PaidSearchIds.FirstOrDefault(query.ContainsKey);
    }

    private static string Short(string? userAgent) =>
        userAgent is null ? "none" : userAgent.Length <= 120 ? userAgent : userAgent[..120] + "…";
}
