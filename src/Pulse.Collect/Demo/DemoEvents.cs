using System.Globalization;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Enrichment;
using Pulse.Collect.Ingest;
using Pulse.Collect.Log;
using Pulse.Collect.Sources;

namespace Pulse.Collect.Demo;

/// <summary>
/// Demo traffic of a web shop over the last 90 days: visits from Instagram and TikTok creators'
/// links, paid social with click ids, search, newsletters and direct; product views, carts,
/// checkouts, orders and sign-ups, more on weekends and evenings and around Black Friday. Built from
/// a seed (same seed, same events relative to the day it runs) and passed through the real message
/// checks and enrichment, then bulk-loaded into the log before the server starts.
/// </summary>
/// <summary>A creator's tracked link the demo's visitors click (made by the Influence module's demo).</summary>
public sealed record DemoLink(string Handle, string Campaign, string LinkId, string Slug, string CreatorId, string Platform, string Destination);

public static class DemoEvents
{
    private static readonly string[] Creators = ["anna_fit", "kuba_runs", "ola_style", "mike_sneaks", "zosia_travel"];
    private static readonly string[] Products = ["Air Runner", "Trail Pro", "City Walk", "Court Classic", "Urban Knit", "Summit GTX", "Flow Slide", "Retro 86"];
    private static readonly string[] MobileAgents =
    [
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
        "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 320.0.0.34.109",
        "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36",
        "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36",
    ];
    private static readonly string[] DesktopAgents =
    [
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:124.0) Gecko/20100101 Firefox/124.0",
    ];
    private const string Bot = "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)";

    /// <summary>Generates and stores the demo events; returns how many were stored.</summary>
    /// <param name="sessionsPerDay">Average visits a day (about 5.5 events each); 2,000 gives a little over a million events.</param>
    /// <param name="links">Creators' tracked links: most of a creator's visitors arrive by one, and its click is recorded as the redirect records it (in <paramref name="linkSourceId"/>).</param>
    public static Task<long> SeedAsync(IServiceProvider services, Guid workspaceId, Guid webSourceId, Guid appSourceId, int seed,
        DateTimeOffset today, int sessionsPerDay, IProgress<long>? progress, CancellationToken ct, IReadOnlyList<DemoLink>? links = null, Guid? linkSourceId = null)
    {
        var log = services.GetRequiredService<EventLog>();
        var builder = new MessageBuilder(services.GetRequiredService<Enricher>());
        IngestSource[] sources = [Source(workspaceId, webSourceId), Source(workspaceId, appSourceId), Source(workspaceId, linkSourceId ?? webSourceId)];
        var byCreator = (links ?? []).ToDictionary(l => l.Handle + "|" + l.Campaign, StringComparer.Ordinal);
        return log.ImportAsync(Generate(builder, sources, byCreator, seed, today, sessionsPerDay), progress, ct);
    }

    private const int Web = 0, App = 1, Links = 2;

    private static IngestSource Source(Guid workspace, Guid id) =>
        new(id, workspace, "demo", true, [], 64 * 1024, 1024 * 1024, 0, IpMode.Truncate, new byte[32], ConsentDefault.Allow);

    private static IEnumerable<LogRecord> Generate(MessageBuilder builder, IngestSource[] sources, Dictionary<string, DemoLink> links, int seed, DateTimeOffset today, int sessionsPerDay)
    {
        var rng = new Random(seed);
        var start = new DateTimeOffset(today.UtcDateTime.Date, TimeSpan.Zero).AddDays(-90);
        var signedUp = new Dictionary<int, string>();
        for (var day = 0; day < 90; day++)
        {
            var date = start.AddDays(day);
            var weekend = date.DayOfWeek is DayOfWeek.Saturday or DayOfWeek.Sunday ? 1.25 : 1.0;
            var blackFriday = day is >= 78 and <= 82 ? 2.6 : 1.0;
            var sessions = (int)(sessionsPerDay * weekend * blackFriday * (0.85 + day / 300.0) * (0.9 + rng.NextDouble() * 0.2));
            for (var s = 0; s < sessions; s++)
            {
                var visitor = rng.NextDouble() < 0.3 ? rng.Next(1, 20_000) : rng.Next(20_000, 400_000);
                var hour = Hour(rng);
                var at = date.AddHours(hour).AddSeconds(rng.Next(3600));
                foreach (var json in Session(rng, visitor, signedUp, day >= 78 && day <= 82, $"{day:00}{s:0000}", links))
                {
                    var (text, offsetSeconds, source) = json;
                    var when = at.AddSeconds(offsetSeconds);
                    if (when > today)
                        continue;
                    using var doc = JsonDocument.Parse(text);
                    var facts = new RequestFacts(null, when, null, null, null, null);
                    var record = builder.Build(doc.RootElement, facts, sources[source], out var reason)
                        ?? throw new InvalidOperationException("The demo generator made a message Pulse refuses: " + reason);
                    yield return record;
                }
            }
        }
    }

    private static Guid RandomGuid(Random rng)
    {
        Span<byte> b = stackalloc byte[16];
        rng.NextBytes(b);
        return new Guid(b);
    }

    private static int Hour(Random rng)
    {
        // Evenings and lunch breaks, in Polish time (UTC+1).
        var r = rng.NextDouble();
        return r < 0.15 ? rng.Next(6, 11) : r < 0.35 ? rng.Next(11, 14) : r < 0.5 ? rng.Next(14, 18) : r < 0.9 ? rng.Next(18, 23) : rng.Next(0, 6);
    }

    private static IEnumerable<(string Json, int Offset, int Source)> Session(Random rng, int visitor, Dictionary<int, string> signedUp, bool blackFriday, string session,
        Dictionary<string, DemoLink> links)
    {
        var anon = "anon-" + visitor.ToString("x6", CultureInfo.InvariantCulture);
        signedUp.TryGetValue(visitor, out var user);
        var fromApp = user is not null && rng.NextDouble() < 0.15;
        // A customer on another browser (a work laptop, a partner's tablet) browses anonymously,
        // then logs in: the identity graph merges that browser's profile into theirs.
        string? login = null;
        if (user is not null && !fromApp && rng.NextDouble() < 0.2)
        {
            login = user;
            user = null;
            anon = "anon-" + visitor.ToString("x6", CultureInfo.InvariantCulture) + "-" + rng.Next(2, 9).ToString(CultureInfo.InvariantCulture);
        }
        // The cookie banner: most visitors accept everything, some refuse advertising, a few opt out.
        var banner = rng.NextDouble();
        var consent = fromApp ? "" : banner < 0.7 ? ",\"consent\":{\"categoryPreferences\":{\"analytics\":true,\"advertising\":true}}"
            : banner < 0.97 ? ",\"consent\":{\"categoryPreferences\":{\"analytics\":true,\"advertising\":false}}"
            : ",\"consent\":{\"optOut\":true,\"categoryPreferences\":{\"analytics\":false,\"advertising\":false}}";
        var r = rng.NextDouble();
        string query = "", referrer = "";
        string? coupon = null;
        DemoLink? link = null;
        string? clickId = null;
        if (r < 0.22)
        {
            var creator = Creators[rng.Next(Creators.Length)];
            var campaign = blackFriday ? "black-friday" : "always-on";
            query = $"?utm_source={creator}&utm_medium=influencer&utm_campaign={campaign}";
            referrer = rng.NextDouble() < 0.7 ? "https://l.instagram.com/" : "https://www.tiktok.com/";
            coupon = creator.ToUpperInvariant().Split('_')[0] + "10";
            // Most arrive by the creator's tracked link (from where the creator posts it); the rest typed the shop's address from a post.
            if (links.TryGetValue(creator + "|" + campaign, out var l) && rng.NextDouble() < 0.8 && !fromApp)
            {
                link = l;
                clickId = RandomGuid(rng).ToString("N");
                var tagged = new Uri(l.Destination).Query;
                query = (tagged.Length > 0 ? tagged + "&" : "?") + "pclid=" + clickId;
                referrer = l.Platform switch { "tiktok" => "https://www.tiktok.com/", "youtube" => "https://www.youtube.com/", "facebook" => "https://m.facebook.com/", _ => "https://l.instagram.com/" };
            }
        }
        else if (r < 0.37)
        {
            query = $"?utm_source=facebook&utm_medium=paid_social&utm_campaign={(blackFriday ? "bf-retargeting" : "prospecting")}&fbclid=IwAR{rng.NextInt64():x12}";
            referrer = "https://m.facebook.com/";
        }
        else if (r < 0.47)
        {
            query = $"?utm_source=tiktok&utm_medium=paid_social&utm_campaign=sneaker-drop&ttclid=E.C.P.{rng.NextInt64():x16}";
            referrer = "https://www.tiktok.com/";
        }
        else if (r < 0.65)
        {
            referrer = "https://www.google.com/";
            if (rng.NextDouble() < 0.3)
                query = $"?gclid=Cj0KCQ{rng.NextInt64():x12}";
        }
        else if (r < 0.75)
        {
            query = "?utm_source=newsletter&utm_medium=email&utm_campaign=weekly";
            referrer = "https://mail.google.com/";
        }
        else if (r < 0.78)
        {
            query = $"?utm_source=linkedin&utm_medium=paid_social&li_fat_id={RandomGuid(rng):N}";
            referrer = "https://www.linkedin.com/";
        }
        var mobile = rng.NextDouble() < (referrer.Contains("instagram", StringComparison.Ordinal) || referrer.Contains("tiktok", StringComparison.Ordinal) ? 0.85 : 0.55);
        var agent = rng.NextDouble() < 0.01 ? Bot : mobile ? MobileAgents[rng.Next(MobileAgents.Length)] : DesktopAgents[rng.Next(DesktopAgents.Length)];
        var ip = $"83.{rng.Next(1, 255)}.{rng.Next(256)}.{rng.Next(1, 255)}";
        var offset = 0;
        var product = Products[rng.Next(Products.Length)];
        var price = 149 + rng.Next(0, 60) * 10 + 0.99;
        string Ids() => user is null ? $"\"anonymousId\":\"{anon}\"" : $"\"anonymousId\":\"{anon}\",\"userId\":\"{user}\"";
        string Context(string path) =>
            $"\"context\":{{\"ip\":\"{ip}\",\"userAgent\":\"{agent}\",\"locale\":\"pl-PL\"{consent},\"page\":{{\"url\":\"https://demo-shop.example{path}{query}\",\"path\":\"{path}\",\"referrer\":\"{referrer}\"}}}}";
        string Id() => RandomGuid(rng).ToString();

        var landing = rng.NextDouble() < 0.6 ? "/p/" + product.ToLowerInvariant().Replace(' ', '-') : "/";
        if (link is not null)
        {
            // As the redirect records it: the short link's address, where the click came from, a QR scan now and then.
            var via = rng.NextDouble() < 0.1 ? "qr" : "link";
            yield return ($"{{\"type\":\"track\",\"event\":\"Link Clicked\",\"messageId\":\"{clickId}\",\"anonymousId\":\"{anon}\",\"properties\":{{\"linkId\":\"{link.LinkId}\",\"slug\":\"{link.Slug}\",\"clickId\":\"{clickId}\",\"creatorId\":\"{link.CreatorId}\",\"platform\":\"{link.Platform}\",\"campaign\":\"{link.Campaign}\",\"via\":\"{via}\",\"destination\":\"{link.Destination}{(link.Destination.Contains('?', StringComparison.Ordinal) ? "&" : "?")}pclid={clickId}\"}},"
                + $"\"context\":{{\"ip\":\"{ip}\",\"userAgent\":\"{agent}\",\"page\":{{\"url\":\"https://demo-shop.example/l/{link.Slug}\",\"referrer\":\"{(via == "qr" ? "" : referrer)}\"}}}}}}", -2, Links);
        }
        yield return ($"{{\"type\":\"{(fromApp ? "screen" : "page")}\",\"messageId\":\"{Id()}\",{Ids()},\"name\":\"{(landing == "/" ? "Home" : "Product")}\",{Context(landing)}}}", offset, fromApp ? App : Web);
        if (login is not null)
        {
            offset += 15;
            user = login;
            yield return ($"{{\"type\":\"identify\",\"messageId\":\"{Id()}\",{Ids()},{Context("/login")}}}", offset, fromApp ? App : Web);
        }
        // Crawlers read a page and leave.
        if (agent == Bot)
            yield break;
        var views = 1 + rng.Next(0, 5);
        for (var v = 0; v < views; v++)
        {
            offset += 20 + rng.Next(120);
            if (v > 0)
            {
                product = Products[rng.Next(Products.Length)];
                price = 149 + rng.Next(0, 60) * 10 + 0.99;
            }
            var sku = "SKU-" + (Array.IndexOf(Products, product) + 100).ToString(CultureInfo.InvariantCulture);
            yield return ($"{{\"type\":\"track\",\"messageId\":\"{Id()}\",{Ids()},\"event\":\"Product Viewed\",\"properties\":{{\"product_id\":\"{sku}\",\"name\":\"{product}\",\"price\":{price.ToString(CultureInfo.InvariantCulture)},\"currency\":\"PLN\"}},{Context("/p/" + product.ToLowerInvariant().Replace(' ', '-'))}}}", offset, fromApp ? App : Web);
        }
        if (user is null && rng.NextDouble() < 0.07)
        {
            user = "user-" + visitor.ToString(CultureInfo.InvariantCulture);
            signedUp[visitor] = user;
            offset += 30;
            var email = $"klient{visitor}@example.com";
            yield return ($"{{\"type\":\"identify\",\"messageId\":\"{Id()}\",{Ids()},\"traits\":{{\"email\":\"{email}\",\"newsletter\":{(rng.NextDouble() < 0.4 ? "true" : "false")}}},{Context("/signup")}}}", offset, fromApp ? App : Web);
            yield return ($"{{\"type\":\"track\",\"messageId\":\"{Id()}\",{Ids()},\"event\":\"Signed Up\",\"properties\":{{\"method\":\"email\"}},{Context("/signup")}}}", offset + 1, fromApp ? App : Web);
        }
        var cartChance = blackFriday ? 0.38 : 0.26;
        if (rng.NextDouble() >= cartChance)
            yield break;
        offset += 40;
        yield return ($"{{\"type\":\"track\",\"messageId\":\"{Id()}\",{Ids()},\"event\":\"Product Added\",\"properties\":{{\"name\":\"{product}\",\"price\":{price.ToString(CultureInfo.InvariantCulture)},\"quantity\":1,\"currency\":\"PLN\"}},{Context("/cart")}}}", offset, fromApp ? App : Web);
        if (rng.NextDouble() >= 0.5)
            yield break;
        offset += 60;
        yield return ($"{{\"type\":\"track\",\"messageId\":\"{Id()}\",{Ids()},\"event\":\"Checkout Started\",\"properties\":{{\"value\":{price.ToString(CultureInfo.InvariantCulture)},\"currency\":\"PLN\"}},{Context("/checkout")}}}", offset, fromApp ? App : Web);
        if (rng.NextDouble() >= 0.66)
            yield break;
        offset += 90;
        var discount = coupon is not null ? Math.Round(price * 0.1, 2) : 0;
        var order = new StringBuilder();
        order.Append(CultureInfo.InvariantCulture, $"{{\"type\":\"track\",\"messageId\":\"{Id()}\",{Ids()},\"event\":\"Order Completed\",\"properties\":{{\"order_id\":\"ORD-{session}-{visitor}\",\"revenue\":{(price - discount).ToString(CultureInfo.InvariantCulture)},\"discount\":{discount.ToString(CultureInfo.InvariantCulture)},\"currency\":\"PLN\"");
        if (coupon is not null)
            order.Append(CultureInfo.InvariantCulture, $",\"coupon\":\"{coupon}\"");
        if (clickId is not null)
            order.Append(CultureInfo.InvariantCulture, $",\"pclid\":\"{clickId}\"");
        order.Append(CultureInfo.InvariantCulture, $",\"products\":[{{\"name\":\"{product}\",\"price\":{price.ToString(CultureInfo.InvariantCulture)},\"quantity\":1}}]}},{Context("/checkout/thank-you")}}}");
        yield return (order.ToString(), offset, fromApp ? App : Web);
    }
}
