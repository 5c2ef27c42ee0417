using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Influence.Commissions;
using Pulse.Influence.Links;
using Pulse.Influence.Partners;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Partners;

/// <summary>
/// The partner portal's isolation: a partner reads and makes only their own creator's data, never
/// another creator's, and a Partner key is refused by every management API route. Both storage modes.
/// </summary>
public sealed class PartnerPortalTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<JsonElement> Ok(HttpMethod method, string path, string key, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var res = await Server.SendAsync(method, path, key, body);
        var text = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(expected, res, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private sealed record Shop(Guid Workspace, string Key, Guid Anna, Guid Kuba, Guid AnnaLink, Guid KubaLink, Guid KubaProgram);

    /// <summary>Two creators, each with a link, a code, an order and its commission, in programs of their own.</summary>
    private async Task<Shop> ShopAsync()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        async Task<Guid> Id(string path, object body) => (await Ok(HttpMethod.Post, path, key, body, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var anna = await Id("/api/v1/creators", new { name = "Anna Fit", email = $"anna-{Guid.NewGuid():N}@fit.example" });
        var kuba = await Id("/api/v1/creators", new { name = "Kuba Runs", email = $"kuba-{Guid.NewGuid():N}@runs.example" });
        await Id("/api/v1/programs", new { name = "Anna's", currency = "PLN", rules = new[] { new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { anna }, landingDomains = new[] { "shop.example" } });
        var kubaProgram = await Id("/api/v1/programs", new { name = "Kuba's", currency = "PLN", rules = new[] { new { on = "sale", type = "percent", value = 20 } }, creatorIds = new[] { kuba }, landingDomains = new[] { "other.example" } });
        var annaLink = await Id("/api/v1/links", new { url = "https://shop.example/anna", slug = "anna-" + Guid.NewGuid().ToString("N")[..8], creatorId = anna });
        var kubaLink = await Id("/api/v1/links", new { url = "https://shop.example/kuba", slug = "kuba-" + Guid.NewGuid().ToString("N")[..8], creatorId = kuba });
        await Id("/api/v1/codes", new { code = "ANNA" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant(), creatorId = anna });
        var kubaCode = "KUBA" + Guid.NewGuid().ToString("N")[..6].ToUpperInvariant();
        await Id("/api/v1/codes", new { code = kubaCode, creatorId = kuba });
        var annaCode = (await Ok(HttpMethod.Get, $"/api/v1/codes?creatorId={anna}", key)).GetProperty("items")[0].GetProperty("code").GetString();
        await Ok(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "A-1", amount = 100m, currency = "PLN", code = annaCode, email = "buyer@example.com" }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "K-1", amount = 300m, currency = "PLN", code = kubaCode, email = "other@example.com" }, HttpStatusCode.Created);
        return new Shop(ws.Id, key, anna, kuba, annaLink, kubaLink, kubaProgram);
    }

    /// <summary>Gives the creator a portal account (as an admin does) and answers the partner as the panel runs them.</summary>
    private async Task<Actor> PartnerAsync(Shop shop, Guid creator)
    {
        var access = await Ok(HttpMethod.Post, $"/api/v1/creators/{creator}/portal-access", shop.Key, new { });
        Assert.False(string.IsNullOrEmpty(access.GetProperty("temporaryPassword").GetString()));
        return new Actor(ActorKinds.User, access.GetProperty("userId").GetGuid().ToString(), access.GetProperty("email").GetString()!, shop.Workspace, WorkspaceRole.Partner);
    }

    private async Task<T> AsPartner<T>(Func<PartnerService, Task<T>> work)
    {
        await using var scope = Server.App.Services.CreateAsyncScope();
        var s = scope.ServiceProvider.GetRequiredService<PartnerService>();
        s.BaseUrl = Server.Address.ToString();
        return await work(s);
    }

    [Fact]
    public async Task APartner_SeesOnlyTheirOwnLinksCodesOrdersCommissionsAndStatements()
    {
        var shop = await ShopAsync();
        var anna = await PartnerAsync(shop, shop.Anna);

        var me = await AsPartner(s => s.MeAsync(anna, default));
        Assert.Equal("Anna Fit", me.Name);
        Assert.Equal(["Anna's"], me.Programs.Select(p => p.Name));
        Assert.Equal([shop.AnnaLink], (await AsPartner(s => s.LinksAsync(anna, default))).Select(l => l.Id));
        Assert.All(await AsPartner(s => s.CodesAsync(anna, default)), c => Assert.StartsWith("ANNA", c.Code, StringComparison.Ordinal));
        var orders = await AsPartner(s => s.ConversionsAsync(anna, 100, default));
        Assert.Equal(["A-1"], orders.Select(o => o.OrderId));
        Assert.Equal(10m, orders[0].Commission);
        Assert.Equal(["A-1"], (await AsPartner(s => s.CommissionsAsync(anna, 100, default))).Select(k => k.OrderId));
        var month = TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var statement = await AsPartner(s => s.StatementAsync(anna, month, null, default));
        Assert.Equal("Anna Fit", statement.CreatorName);
        Assert.Equal(["A-1"], statement.Lines.Select(l => l.OrderId));
        var overview = await AsPartner(s => s.OverviewAsync(anna, 30, default));
        Assert.Equal(1, overview.Conversions);
        Assert.Equal(100m, Assert.Single(overview.Money).Revenue);

        // Another creator's link is not found, as if it did not exist.
        await Assert.ThrowsAsync<NotFoundException>(() => AsPartner(s => s.LinkAsync(anna, shop.KubaLink, default)));
        foreach (var kind in new[] { "links", "conversions", "commissions" })
        {
            using var csv = new MemoryStream();
            await AsPartner(async s => { await s.ExportAsync(anna, kind, csv, default); return true; });
            var text = Encoding.UTF8.GetString(csv.ToArray());
            Assert.DoesNotContain("kuba", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("K-1", text, StringComparison.Ordinal);
            Assert.True(text.Contains("anna", StringComparison.OrdinalIgnoreCase) || text.Contains("A-1", StringComparison.Ordinal), text);
            // Customers' identities are not the partner's to see.
            Assert.DoesNotContain("buyer@example.com", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task APartner_MakesLinksOnlyForThemselves_AndOnlyToTheirProgramsDomains()
    {
        var shop = await ShopAsync();
        var anna = await PartnerAsync(shop, shop.Anna);
        var link = await AsPartner(s => s.CreateLinkAsync(anna, new PartnerLinkRequest("https://www.shop.example/summer?x=1", Title: "Summer", Platform: "tiktok"), default));
        Assert.Equal(shop.Anna, link.CreatorId);
        Assert.Equal("tiktok", link.Platform);
        var admin = await Ok(HttpMethod.Get, $"/api/v1/links/{link.Id}", shop.Key);
        Assert.Equal(shop.Anna, admin.GetProperty("creatorId").GetGuid());

        async Task Refused(PartnerLinkRequest r, string field)
        {
            var e = await Assert.ThrowsAsync<ValidationException>(() => AsPartner(s => s.CreateLinkAsync(anna, r, default)));
            Assert.True(e.Errors.ContainsKey(field), string.Join(", ", e.Errors.Keys));
        }
        await Refused(new PartnerLinkRequest("https://evil.example/"), "url");
        await Refused(new PartnerLinkRequest("https://evilshop.example/"), "url");
        await Refused(new PartnerLinkRequest("https://shop.example.evil.example/"), "url");
        await Refused(new PartnerLinkRequest("javascript:alert(1)"), "url");
        // Kuba's program (and its domain) is not Anna's.
        await Refused(new PartnerLinkRequest("https://other.example/", shop.KubaProgram), "programId");
        await Refused(new PartnerLinkRequest("https://other.example/"), "url");
        Assert.Equal(2, (await AsPartner(s => s.LinksAsync(anna, default))).Count);
    }

    [Fact]
    public async Task OnlyASignedInPartnerLinkedToACreator_GetsIn()
    {
        var shop = await ShopAsync();
        await PartnerAsync(shop, shop.Anna);
        // A Partner member not linked to any creator, a Partner key, and an admin: none is a partner of a creator.
        var stranger = new Actor(ActorKinds.User, Guid.NewGuid().ToString(), "x@example.com", shop.Workspace, WorkspaceRole.Partner);
        await Assert.ThrowsAsync<ForbiddenException>(() => AsPartner(s => s.LinksAsync(stranger, default)));
        var key = new Actor(ActorKinds.ApiKey, Guid.NewGuid().ToString(), "key", shop.Workspace, WorkspaceRole.Partner);
        await Assert.ThrowsAsync<ForbiddenException>(() => AsPartner(s => s.LinksAsync(key, default)));
        var admin = new Actor(ActorKinds.User, Guid.NewGuid().ToString(), "admin@example.com", shop.Workspace, WorkspaceRole.Admin);
        await Assert.ThrowsAsync<ForbiddenException>(() => AsPartner(s => s.LinksAsync(admin, default)));
        // Anna's account in another workspace sees nothing of this one.
        var elsewhere = await Server.CreateWorkspaceAsync();
        var annaId = (await Ok(HttpMethod.Get, $"/api/v1/members?limit=100", shop.Key)).GetProperty("items").EnumerateArray()
            .First(m => m.GetProperty("role").GetString() == "Partner").GetProperty("userId").GetString()!;
        var annaElsewhere = new Actor(ActorKinds.User, annaId, "anna", elsewhere.Id, WorkspaceRole.Partner);
        await Assert.ThrowsAsync<ForbiddenException>(() => AsPartner(s => s.LinksAsync(annaElsewhere, default)));
    }

    [Fact]
    public async Task InvitationsAreOneTime_AndNeedTheCreatorsEmail()
    {
        var shop = await ShopAsync();
        var invite = await Ok(HttpMethod.Post, $"/api/v1/creators/{shop.Kuba}/invite", shop.Key);
        var url = invite.GetProperty("inviteUrl").GetString()!;
        Assert.StartsWith(Server.Address.ToString().TrimEnd('/') + "/partner/join?token=", url, StringComparison.Ordinal);
        var token = url[(url.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        // A second invitation replaces the first.
        var second = (await Ok(HttpMethod.Post, $"/api/v1/creators/{shop.Kuba}/invite", shop.Key)).GetProperty("inviteUrl").GetString()!;
        var token2 = second[(second.IndexOf("token=", StringComparison.Ordinal) + 6)..];
        await using var scope = Server.App.Services.CreateAsyncScope();
        var access = scope.ServiceProvider.GetRequiredService<PartnerAccessService>();
        Assert.Null(await access.InfoAsync(token, default));
        var info = await access.InfoAsync(token2, default);
        Assert.Equal("Kuba Runs", info!.CreatorName);
        Assert.False(info.HasAccount);
        var weak = await Assert.ThrowsAsync<ValidationException>(() => access.AcceptAsync(token2, "short", default));
        Assert.True(weak.Errors.ContainsKey("password"));
        var user = await access.AcceptAsync(token2, "Kuba-Runs-2026-long", default);
        var kuba = new Actor(ActorKinds.User, user.ToString(), "kuba", shop.Workspace, WorkspaceRole.Partner);
        await using (var s2 = Server.App.Services.CreateAsyncScope())
            Assert.Equal("Kuba Runs", (await s2.ServiceProvider.GetRequiredService<PartnerService>().MeAsync(kuba, default)).Name);
        // Used once.
        Assert.Null(await access.InfoAsync(token2, default));
        var again = await Assert.ThrowsAsync<ValidationException>(() => access.AcceptAsync(token2, "Kuba-Runs-2026-long", default));
        Assert.True(again.Errors.ContainsKey("token"));
        var res = await Server.SendAsync(HttpMethod.Post, $"/api/v1/creators/{shop.Kuba}/invite", shop.Key, null);
        TestData.AssertStatus(HttpStatusCode.Conflict, res, await res.Content.ReadAsStringAsync());

        var noMail = (await Ok(HttpMethod.Post, "/api/v1/creators", shop.Key, new { name = "No Mail" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        res = await Server.SendAsync(HttpMethod.Post, $"/api/v1/creators/{noMail}/invite", shop.Key, null);
        var problem = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, problem);
        Assert.Contains("e-mail", problem, StringComparison.Ordinal);
        // Inviting is managing creators: an Analyst may not.
        var analyst = (await Server.CreateKeyAsync(shop.Workspace, WorkspaceRole.Analyst)).Key;
        res = await Server.SendAsync(HttpMethod.Post, $"/api/v1/creators/{shop.Anna}/invite", analyst, null);
        TestData.AssertStatus(HttpStatusCode.Forbidden, res, await res.Content.ReadAsStringAsync());
    }

    /// <summary>Every management API route, called with a Partner key (whatever the parameters), answers 403.</summary>
    [Fact]
    public async Task APartnerKey_IsRefusedByEveryApiRoute()
    {
        var shop = await ShopAsync();
        var partnerKey = (await Server.CreateKeyAsync(shop.Workspace, WorkspaceRole.Partner)).Key;
        var routes = Server.App.Services.GetServices<EndpointDataSource>().SelectMany(d => d.Endpoints).OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && raw.TrimStart('/').StartsWith("api/v1/", StringComparison.Ordinal)
                && e.Metadata.GetMetadata<IAllowAnonymous>() is null)
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(m => (Method: m, e.RoutePattern, ContentType: e.Metadata.GetMetadata<Microsoft.AspNetCore.Http.Metadata.IAcceptsMetadata>()?.ContentTypes.FirstOrDefault() ?? "application/json")))
            .ToList();
        Assert.True(routes.Count > 50, $"only {routes.Count} routes found");
        var ids = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["id"] = shop.AnnaLink.ToString(), ["creatorId"] = shop.Anna.ToString(), ["userId"] = Guid.NewGuid().ToString(),
        };
        var failures = new List<string>();
        foreach (var (method, pattern, contentType) in routes)
        {
            var path = "/" + string.Join('/', pattern.PathSegments.Select(seg => string.Concat(seg.Parts.Select(part => part switch
            {
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart l => l.Content,
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternParameterPart p => ids.GetValueOrDefault(p.Name)
                    ?? (p.ParameterPolicies.Any(x => x.Content == "guid") ? Guid.NewGuid().ToString() : "x"),
                Microsoft.AspNetCore.Routing.Patterns.RoutePatternSeparatorPart s => s.Content,
                _ => "",
            }))));
            using var req = new HttpRequestMessage(new HttpMethod(method), path);
            req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", partnerKey);
            if (method is "POST" or "PUT" or "PATCH")
                req.Content = new StringContent(contentType == "application/json" ? "{}" : "name\nx\n", Encoding.UTF8, contentType);
            using var res = await Server.Client.SendAsync(req);
            if (res.StatusCode != HttpStatusCode.Forbidden)
                failures.Add($"{method} {path}: {(int)res.StatusCode}");
        }
        Assert.True(failures.Count == 0, $"{failures.Count} of {routes.Count} routes let a Partner key through:\n" + string.Join('\n', failures));
    }
}
