using System.Reflection;
using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Conversions;
using Pulse.Influence.Storage;

namespace Pulse.Influence.Fraud;

/// <summary>
/// The rules checked when a conversion is credited to a creator. Each that fires is a flag with a
/// score and its evidence, and the conversion's commissions are earned on hold until a person
/// resolves it.
/// </summary>
internal static class FraudRules
{
    public const string SelfReferralEmail = "self_referral_email";
    public const string DisposableEmail = "disposable_email";
    public const string CouponSpike = "coupon_spike";
    public const string OrdersPerIp = "orders_per_ip";
    public const string SelfReferralIp = "self_referral_ip";

    /// <summary>Orders from one IP address credited to one creator within a day, from which the IP looks like the creator's own or a farm.</summary>
    public const int OrdersPerIpLimit = 5;
    /// <summary>Uses of one code in the last hour from which a spike counts (with five times its usual hourly rate).</summary>
    public const int SpikeMinimum = 10;

    private static readonly Lazy<HashSet<string>> Disposable = new(() =>
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("Pulse.Influence.Fraud.Data.disposable-domains.txt")
            ?? throw new InvalidOperationException("The disposable domains list is missing from the assembly.");
        using var reader = new StreamReader(stream);
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Trim() is { Length: > 0 } d && !d.StartsWith('#'))
                set.Add(d);
        }
        return set;
    });

    public static bool IsDisposable(string email)
    {
        var at = email.LastIndexOf('@');
        return at >= 0 && Disposable.Value.Contains(email[(at + 1)..].Trim().TrimEnd('.'));
    }

    /// <summary>An address as a mailbox receives it: lower case, without a +tag, and for Gmail without dots.</summary>
    public static string Mailbox(string email)
    {
        var e = email.Trim().ToLowerInvariant();
        var at = e.LastIndexOf('@');
        if (at <= 0)
            return e;
        var (local, domain) = (e[..at], e[(at + 1)..]);
        if (local.IndexOf('+', StringComparison.Ordinal) is var plus and > 0)
            local = local[..plus];
        if (domain is "gmail.com" or "googlemail.com")
            (local, domain) = (local.Replace(".", "", StringComparison.Ordinal), "gmail.com");
        return local + "@" + domain;
    }

    public static async Task<List<(string Rule, int Score, string Evidence)>> CheckAsync(InfluenceDbContext db, Pulse.Collect.Events.EventFacts? events,
        Conversion c, Guid creatorId, int clickWindowDays, CancellationToken ct)
    {
        var found = new List<(string, int, string)>();
        if (c.Email is { } email)
        {
            var creatorEmail = await db.Creators.AsNoTracking().Where(x => x.Id == creatorId).Select(x => x.Email).FirstOrDefaultAsync(ct);
            if (creatorEmail is not null && Mailbox(creatorEmail) == Mailbox(email))
                found.Add((SelfReferralEmail, 90, $"The customer's e-mail ({Mask(email)}) is the creator's own address ({Mask(creatorEmail)})."));
            if (IsDisposable(email))
                found.Add((DisposableEmail, 60, $"The customer used a throw-away e-mail domain ({email[(email.LastIndexOf('@') + 1)..]})."));
        }
        if (c.Ip is { } ip)
        {
            var since = c.OccurredAt.AddDays(-1);
            var same = await db.Conversions.AsNoTracking().CountAsync(x => x.WorkspaceId == c.WorkspaceId && x.CreatorId == creatorId && x.Ip == ip
                && x.OccurredAt >= since && x.OccurredAt <= c.OccurredAt && x.Id != c.Id, ct) + 1;
            if (same >= OrdersPerIpLimit)
                found.Add((OrdersPerIp, 70, $"{same} orders credited to this creator came from one IP address ({ip}) within 24 hours."));
            var signedIn = c.OccurredAt.AddDays(-Partners.PartnerAccessService.SignInDays);
            var own = await db.PartnerSignIns.AsNoTracking().Where(s => s.WorkspaceId == c.WorkspaceId && s.CreatorId == creatorId && s.Ip == ip
                && s.At >= signedIn && s.At <= c.OccurredAt.AddDays(1)).OrderByDescending(s => s.At).Select(s => (DateTimeOffset?)s.At).FirstOrDefaultAsync(ct);
            if (own is { } at)
                found.Add((SelfReferralIp, 80, $"The order came from {ip}, the address the creator signed in to the partner portal from on {at.UtcDateTime:yyyy-MM-dd}: the creator may have bought through their own link or code."));
        }
        if (c.Code is { } code && c.AttributedBy == "code")
        {
            var hour = c.OccurredAt.AddHours(-1);
            var week = c.OccurredAt.AddDays(-7);
            // Counted in the store: a popular code has thousands of uses a week, and this runs for every order.
            var uses = db.Conversions.AsNoTracking().Where(x => x.WorkspaceId == c.WorkspaceId && x.Code == code && x.OccurredAt >= week && x.OccurredAt <= c.OccurredAt && x.Id != c.Id);
            var lastHour = await uses.CountAsync(x => x.OccurredAt >= hour, ct) + 1;
            var usual = await uses.CountAsync(x => x.OccurredAt < hour, ct) / (7 * 24.0 - 1);
            if (lastHour >= SpikeMinimum && lastHour > 5 * usual)
                found.Add((CouponSpike, 50, $"The code {code} was used {lastHour} times in the last hour against {usual:0.##} an hour over the week before: it may have leaked to a coupon site."));
        }
        if (events is not null)
            await ClickRules.CheckAsync(events, db, c, creatorId, clickWindowDays, found, ct);
        return found;
    }

    private static string Mask(string email)
    {
        var at = email.IndexOf('@', StringComparison.Ordinal);
        return at <= 1 ? "***" + email[Math.Max(at, 0)..] : email[0] + "***" + email[at..];
    }
}
