using Bogus;
using Pulse.Collect.Demo;
using Pulse.Collect.Sources;
using Pulse.Destinations.Configs;
using Pulse.Platform.Access;
using Pulse.Platform.ApiKeys;
using Pulse.Platform.Paging;
using Pulse.Platform.People;
using Pulse.Platform.Workspaces;

namespace Pulse.Demo;

/// <summary>
/// The demo workspace "Demo Shop": a team with Polish and English names, API keys and the audit
/// trail their creation leaves. Generated from a seed, so the same seed gives the same team.
/// Later modules add their demo data here.
/// </summary>
internal sealed class DemoSeeder(IServiceProvider services, int seed, int sessionsPerDay = 0, IProgress<long>? progress = null)
{
    public const string WorkspaceName = "Demo Shop";
    public const string AgencyName = "Demo Agency";
    public const string OwnerEmail = "owner@demo-shop.example";
    public const string ViewerEmail = "viewer@demo-shop.example";
    private const string DemoKeyName = "demo key";

    /// <summary>Anna, the demo's creator with a partner-portal login.</summary>
    public const string PartnerEmail = "anna@fit.example";
    public sealed record Credentials(string OwnerEmail, string ViewerEmail, string PartnerEmail, string Password, string ApiKey);

    public async Task<Credentials> SeedAsync(CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var workspaces = sp.GetRequiredService<WorkspaceService>();
        var users = sp.GetRequiredService<UserService>();
        var members = sp.GetRequiredService<MemberService>();
        var keys = sp.GetRequiredService<ApiKeyService>();

        // A fresh password each start: the demo may listen beyond localhost.
        var password = Passwords.Generate();
        var shop = await workspaces.FindAsync(WorkspaceName, ct);
        if (shop is null)
        {
            var owner = await users.CreateAsync(null, OwnerEmail, password, "Demo Owner", ct);
            shop = await workspaces.CreateAsync(WorkspaceName, owner.Id, Actor.Cli(Guid.Empty), ct);
            var asOwner = Actor.Cli(shop.Id);
            await members.AddAsync(asOwner, ViewerEmail, nameof(WorkspaceRole.Viewer), "Demo Viewer", password, ct);
            await SeedTeamAsync(members, asOwner, ct);
            await keys.CreateAsync(asOwner, "Website backend", nameof(WorkspaceRole.Marketer), null, ct);
            await keys.CreateAsync(asOwner, "BI export", nameof(WorkspaceRole.Analyst), null, ct);
            var old = await keys.CreateAsync(asOwner, "Old agency integration", nameof(WorkspaceRole.Marketer), null, ct);
            await keys.RevokeAsync(asOwner, old.ApiKey.Id.ToString(), ct);
            var agency = await workspaces.CreateAsync(AgencyName, owner.Id, Actor.Cli(Guid.Empty), ct);
            await members.AddAsync(Actor.Cli(agency.Id), ViewerEmail, nameof(WorkspaceRole.Analyst), null, null, ct);
            var (web, app) = await SeedSourcesAsync(sp, asOwner, ct);
            // Creators and their links first: the traffic's clicks are on those links.
            var links = await SeedInfluenceAsync(sp, asOwner, password, ct);
            await SeedTrafficAsync(sp, asOwner, web, app, links, ct);
        }
        else
        {
            await users.ResetPasswordAsync(Actor.Cli(Guid.Empty), OwnerEmail, password, ct);
            await users.ResetPasswordAsync(Actor.Cli(Guid.Empty), ViewerEmail, password, ct);
            await users.ResetPasswordAsync(Actor.Cli(Guid.Empty), PartnerEmail, password, ct);
        }

        var actor = Actor.Cli(shop.Id);
        var existing = await keys.ListAsync(actor, new PageRequest(null, PageRequest.MaxLimit), false, ct);
        foreach (var k in existing.Items.Where(k => k.Name == DemoKeyName))
            await keys.RevokeAsync(actor, k.Id.ToString(), ct);
        var key = await keys.CreateAsync(actor, DemoKeyName, nameof(WorkspaceRole.Admin), null, ct);
        return new Credentials(OwnerEmail, ViewerEmail, PartnerEmail, password, key.Key);
    }

    /// <summary>
    /// The shop's destinations, once: a partner's webhook and a Meta Conversions API destination,
    /// both delivering to the receivers built into the demo server at <paramref name="baseUrl"/>, and
    /// a replay of the last two days into each, so that the delivery pages show real traffic.
    /// </summary>
    public async Task SeedDestinationsAsync(string baseUrl, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var sp = scope.ServiceProvider;
        var shop = await sp.GetRequiredService<WorkspaceService>().FindAsync(WorkspaceName, ct);
        if (shop is null)
            return;
        var actor = Actor.Cli(shop.Id);
        var destinations = sp.GetRequiredService<DestinationService>();
        if ((await destinations.ListAsync(actor, new PageRequest(null, 1), ct)).Items.Count > 0)
            return;
        var root = baseUrl.TrimEnd('/');
        var webhook = await destinations.CreateAsync(actor, new CreateDestinationRequest("webhook", "Partner CRM", Json(new
        {
            url = root + "/demo-sink/webhook",
            batchSize = 100,
            pii = new[] { "email" },
        }), ["Web shop", "iOS app"], ["Order Completed", "Signed Up"], true), ct);
        var meta = await destinations.CreateAsync(actor, new CreateDestinationRequest("meta", "Meta Conversions API", Json(new
        {
            baseUrl = root + "/demo-sink/meta",
            pixelId = "1234567890123",
            accessToken = "demo-token-for-the-built-in-sink",
            consent = new { categories = new[] { "advertising" }, match = "all" },
        }), ["Web shop"], null, true), ct);
        var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
        var deliveries = sp.GetRequiredService<Pulse.Destinations.Delivery.DeliveryService>();
        foreach (var id in new[] { webhook.Id, meta.Id })
        {
            try
            {
                await deliveries.ReplayAsync(actor, id, new Pulse.Destinations.Delivery.ReplayRequest(now.AddDays(-2), now), ct);
            }
            catch (Pulse.Platform.Access.ValidationException)
            {
                // No traffic in the last two days (the demo was started without it): nothing to replay.
            }
        }
    }

    private static System.Text.Json.JsonElement Json(object value) => System.Text.Json.JsonSerializer.SerializeToElement(value);

    /// <summary>Sources of the shop.</summary>
    private static async Task<(Guid Web, Guid App)> SeedSourcesAsync(IServiceProvider sp, Actor owner, CancellationToken ct)
    {
        var sources = sp.GetRequiredService<SourceService>();
        var web = await sources.CreateAsync(owner, new CreateSourceRequest("Web shop", ["http://localhost:5080", "http://127.0.0.1:5080"]), ct);
        var app = await sources.CreateAsync(owner, new CreateSourceRequest("iOS app"), ct);
        await sources.CreateAsync(owner, new CreateSourceRequest("Order backend", RateLimitPerSecond: 5000), ct);
        return (web.Id, app.Id);
    }

    /// <summary>Unless turned off, about 90 days of the shop's traffic, with clicks on the creators' links.</summary>
    private async Task SeedTrafficAsync(IServiceProvider sp, Actor owner, Guid web, Guid app, IReadOnlyList<DemoLink> links, CancellationToken ct)
    {
        if (sessionsPerDay <= 0)
            return;
        var linkSource = (await sp.GetRequiredService<SourceService>().GetAsync(owner, Pulse.Influence.Links.LinkService.SourceName, ct)).Id;
        await DemoEvents.SeedAsync(sp, owner.WorkspaceId, web, app, seed, sp.GetRequiredService<TimeProvider>().GetUtcNow(), sessionsPerDay, progress, ct, links, linkSource);
    }

    /// <summary>
    /// The five creators whose visits and coupon codes the demo traffic carries (utm_source=anna_fit,
    /// coupon ANNA10 …), with their accounts, groups, a link each and their codes: the demo's
    /// Order Completed events then become conversions credited to them by code.
    /// </summary>
    private static async Task<IReadOnlyList<DemoLink>> SeedInfluenceAsync(IServiceProvider sp, Actor owner, string password, CancellationToken ct)
    {
        var creators = sp.GetRequiredService<Pulse.Influence.Creators.CreatorService>();
        var links = sp.GetRequiredService<Pulse.Influence.Links.LinkService>();
        var codes = sp.GetRequiredService<Pulse.Influence.Codes.CodeService>();
        await creators.CreateGroupAsync(owner, new Pulse.Influence.Creators.CreatorGroupRequest("Always-on ambassadors", "Creators with a standing monthly contract"), ct);
        await creators.CreateGroupAsync(owner, new Pulse.Influence.Creators.CreatorGroupRequest("Black Friday 2026", "The November push"), ct);
        (string Name, string Email, string Handle, string Platform, long Followers, string? Second, long SecondFollowers, string[] Categories, string Contract, string[] Groups)[] people =
        [
            ("Anna Kowalska", "anna@fit.example", "anna_fit", "instagram", 48_200, "anna_fit", 9_100, ["fitness", "nutrition"], "hybrid", ["Always-on ambassadors", "Black Friday 2026"]),
            ("Kuba Nowak", "kuba@runs.example", "kuba_runs", "tiktok", 126_000, "kuba.runs", 20_400, ["running", "sport"], "affiliate", ["Always-on ambassadors"]),
            ("Ola Wiśniewska", "ola@style.example", "ola_style", "instagram", 310_000, null, 0, ["fashion", "lifestyle"], "flat_fee", ["Black Friday 2026"]),
            ("Mike Johnson", "mike@sneaks.example", "mike_sneaks", "youtube", 820_000, "mike_sneaks", 95_000, ["sneakers", "streetwear"], "hybrid", ["Black Friday 2026"]),
            ("Zosia Lewandowska", "zosia@travel.example", "zosia_travel", "instagram", 8_200, null, 0, ["travel", "outdoor"], "gifted", []),
        ];
        var created = new List<(Guid Id, string Handle)>();
        foreach (var p in people)
        {
            List<Pulse.Influence.Creators.HandleInput> handles = [new(p.Platform, p.Handle, p.Followers)];
            if (p.Second is { } second)
                handles.Add(new(p.Platform == "tiktok" ? "instagram" : "tiktok", second, p.SecondFollowers));
            var creator = await creators.CreateAsync(owner, new Pulse.Influence.Creators.CreateCreatorRequest(p.Name, p.Email, "PL", "active", p.Categories, handles, p.Groups,
                new Pulse.Influence.Creators.ContractDto(p.Contract, new DateOnly(2026, 1, 1), new DateOnly(2026, 12, 31), p.Contract is "flat_fee" or "hybrid" ? 2_000m : null,
                    p.Contract is "flat_fee" or "hybrid" ? "PLN" : null, p.Contract == "gifted" ? "Product only, one post a month" : "Two posts and four stories a month"),
                null), ct);
            created.Add((creator.Id, p.Handle));
        }
        // The program exists before the codes, so every demo order the codes credit earns its commission.
        await sp.GetRequiredService<Pulse.Influence.Commissions.CommissionService>().CreateProgramAsync(owner, new Pulse.Influence.Commissions.ProgramRequest(
            "Ambassadors", "PLN",
            [
                new("sale", "percent", 10, Tiers: [new(150, 12)]),
                new("lead", "flat", 5),
            ], 14, created.Select(c => c.Id).ToList(), LandingDomains: ["demo-shop.example"]), ct);
        var demoLinks = new List<DemoLink>();
        foreach (var (id, handle) in created)
        {
            foreach (var made in new[]
                     {
                         await links.CreateAsync(owner, new Pulse.Influence.Links.CreateLinkRequest("https://demo-shop.example/", handle.Replace('_', '-'), id, "always-on"), ct),
                         await links.CreateAsync(owner, new Pulse.Influence.Links.CreateLinkRequest("https://demo-shop.example/black-friday", handle.Replace('_', '-') + "-bf", id, "black-friday"), ct),
                     })
                demoLinks.Add(new DemoLink(handle, made.Campaign!, made.Id.ToString(), made.Slug, id.ToString(), made.Platform ?? "instagram", made.Destination));
            await codes.CreateAsync(owner, new Pulse.Influence.Codes.CreateCodeRequest(handle.ToUpperInvariant().Split('_')[0] + "10", id, "always-on", Discount: "10%"), ct);
        }
        // Their posts for the brand every ten days or so, with the reach their insights screens show (EMV on the ROI page).
        var emv = sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Pulse.Influence.Creators.EmvOptions>>().Value;
        var now = sp.GetRequiredService<TimeProvider>().GetUtcNow();
        foreach (var ((id, handle), person) in created.Zip(people))
        {
            var rng = new Random(handle.Aggregate(17, (h, ch) => h * 31 + ch));
            for (var daysAgo = 88 - rng.Next(0, 8); daysAgo > 0; daysAgo -= 8 + rng.Next(0, 6))
            {
                var impressions = (long)(person.Followers * (0.15 + rng.NextDouble() * 0.35));
                var url = person.Platform switch
                {
                    "tiktok" => $"https://www.tiktok.com/@{handle}/video/{7_300_000_000_000_000_000L + rng.NextInt64(1_000_000_000_000)}",
                    "youtube" => $"https://www.youtube.com/watch?v={Convert.ToBase64String(BitConverter.GetBytes(rng.NextInt64()))[..11].Replace('+', '-').Replace('/', '_')}",
                    _ => $"https://www.instagram.com/p/{Convert.ToBase64String(BitConverter.GetBytes(rng.NextInt64()))[..11].Replace('+', '-').Replace('/', '_')}/",
                };
                await creators.AddPostAsync(owner, id, new Pulse.Influence.Creators.CreatorPostRequest(url, now.AddDays(-daysAgo).AddHours(-rng.Next(0, 12)), person.Platform,
                    daysAgo is >= 7 and <= 12 ? "black-friday" : "always-on", impressions, (long)(impressions * (0.02 + rng.NextDouble() * 0.05))), emv, ct);
            }
        }
        // Anna signs in to the partner portal with the demo's password.
        await sp.GetRequiredService<Pulse.Influence.Partners.PartnerAccessService>().GrantAsync(owner, created[0].Id, new Pulse.Influence.Partners.PartnerAccessRequest(password), ct);
        // A fraud case to resolve: Anna orders with her own code from her own mailbox (a +tag does not hide it).
        await sp.GetRequiredService<Pulse.Influence.Conversions.ConversionService>().RecordAsync(owner, new Pulse.Influence.Conversions.ConversionRequest(
            "SELF-0001", 349.00m, "PLN", "sale", "cust-anna", "anna+orders@fit.example", Code: "ANNA10", Ip: "203.0.113.45", Country: "PL"), "api", ct);
        return demoLinks;
    }

    private async Task SeedTeamAsync(MemberService members, Actor owner, CancellationToken ct)
    {
        WorkspaceRole[] roles = [WorkspaceRole.Admin, WorkspaceRole.Marketer, WorkspaceRole.Marketer, WorkspaceRole.Analyst, WorkspaceRole.Viewer, WorkspaceRole.Partner];
        foreach (var (locale, count, offset) in new[] { ("pl", 5, 0), ("en", 5, 1) })
        {
            var faker = new Faker(locale) { Random = new Randomizer(seed * 31 + offset) };
            for (var i = 0; i < count; i++)
            {
                var first = faker.Name.FirstName();
                var last = faker.Name.LastName();
                var email = $"{Ascii(first)}.{Ascii(last)}.{i}@demo-shop.example".ToLowerInvariant();
                var role = roles[faker.Random.Int(0, roles.Length - 1)];
                await members.AddAsync(owner, email, role.ToString(), $"{first} {last}", Passwords.Generate(), ct);
            }
        }
    }

    private static string Ascii(string name)
    {
        var normalized = name.Replace('ł', 'l').Replace('Ł', 'L').Normalize(System.Text.NormalizationForm.FormD);
        var s = new string(normalized.Where(char.IsAsciiLetter).ToArray());
        return s.Length == 0 ? "person" : s;
    }
}
