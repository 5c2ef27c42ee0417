using System.Globalization;
using System.Net;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Fraud;

/// <summary>Each fraud rule fires on its case and stays quiet on the honest one; a flag holds the commissions until a person resolves it. Both storage modes.</summary>
public sealed class FraudRuleTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<JsonElement> Ok(HttpMethod method, string path, string key, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var res = await Server.SendAsync(method, path, key, body);
        var text = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(expected, res, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<(string Key, Guid Creator, Guid Workspace)> TenantAsync(string creatorEmail = "anna.kowalska@gmail.com")
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var creator = (await Ok(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna", email = creatorEmail }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, "/api/v1/codes", key, new { code = "ANNA10", creatorId = creator }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/programs", key, new { name = "P", currency = "PLN", rules = new[] { new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { creator } }, HttpStatusCode.Created);
        return (key, creator, ws.Id);
    }

    private Task<JsonElement> SaleAsync(string key, string order, string? email = null, string? ip = null, double minutesAgo = 1) =>
        Ok(HttpMethod.Post, "/api/v1/conversions", key, new
        {
            orderId = order, amount = 100m, currency = "PLN", code = "ANNA10", email, ip,
            occurredAt = TimeProvider.System.GetUtcNow().AddMinutes(-minutesAgo).ToString("O", CultureInfo.InvariantCulture),
        }, HttpStatusCode.Created);

    private async Task<List<JsonElement>> FlagsAsync(string key) => (await Ok(HttpMethod.Get, "/api/v1/fraud/flags", key)).EnumerateArray().ToList();

    private async Task<string?> CommissionStateAsync(string key, string order) =>
        (await Ok(HttpMethod.Get, "/api/v1/commissions", key)).GetProperty("items").EnumerateArray()
            .Single(c => c.GetProperty("orderId").GetString() == order).GetProperty("state").GetString();

    [Fact]
    public async Task SelfReferral_ByTheCreatorsOwnMailbox_IsFlagged_AndAnotherCustomerIsNot()
    {
        var (key, _, _) = await TenantAsync();
        await SaleAsync(key, "S-1", email: "annakowalska+shop@googlemail.com");
        await SaleAsync(key, "S-2", email: "jan.nowak@gmail.com");
        var flag = Assert.Single(await FlagsAsync(key));
        Assert.Equal("self_referral_email", flag.GetProperty("rule").GetString());
        Assert.Equal("S-1", flag.GetProperty("orderId").GetString());
        Assert.Equal(90, flag.GetProperty("score").GetInt32());
        Assert.Contains("creator's own address", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("annakowalska", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Equal("on_hold", await CommissionStateAsync(key, "S-1"));
        Assert.Equal("pending", await CommissionStateAsync(key, "S-2"));
    }

    [Fact]
    public async Task DisposableEmail_IsFlagged_AndAnOrdinaryDomainIsNot()
    {
        var (key, _, _) = await TenantAsync();
        await SaleAsync(key, "D-1", email: "buyer@Mailinator.com");
        await SaleAsync(key, "D-2", email: "buyer@example.com");
        var flag = Assert.Single(await FlagsAsync(key));
        Assert.Equal(("disposable_email", "D-1"), (flag.GetProperty("rule").GetString(), flag.GetProperty("orderId").GetString()));
    }

    [Fact]
    public async Task ManyOrdersFromOneIp_AreFlaggedFromTheFifth_AndFewerAreNot()
    {
        var (key, _, _) = await TenantAsync();
        for (var i = 0; i < 5; i++)
            await SaleAsync(key, $"I-{i}", ip: "203.0.113.7", minutesAgo: 60 - i);
        for (var i = 0; i < 4; i++)
            await SaleAsync(key, $"J-{i}", ip: "198.51.100.9", minutesAgo: 60 - i);
        var flag = Assert.Single(await FlagsAsync(key));
        Assert.Equal(("orders_per_ip", "I-4"), (flag.GetProperty("rule").GetString(), flag.GetProperty("orderId").GetString()));
        Assert.Contains("5 orders", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ASuddenSpikeOfACode_IsFlagged_AndSteadyUseIsNot()
    {
        var (key, _, _) = await TenantAsync();
        for (var i = 0; i < 9; i++)
            await SaleAsync(key, $"C-{i}", minutesAgo: 50 - i);
        Assert.Empty(await FlagsAsync(key));
        await SaleAsync(key, "C-9", minutesAgo: 30);
        var flag = Assert.Single(await FlagsAsync(key));
        Assert.Equal(("coupon_spike", "C-9"), (flag.GetProperty("rule").GetString(), flag.GetProperty("orderId").GetString()));
    }

    [Fact]
    public async Task APerson_ResolvesFlags_ApproveReleases_RejectCancels_BanBansTheCreator_AllAudited()
    {
        var (key, creator, ws) = await TenantAsync();
        await SaleAsync(key, "R-1", email: "x@yopmail.com");
        await SaleAsync(key, "R-2", email: "y@yopmail.com");
        await SaleAsync(key, "R-3", email: "z@yopmail.com");
        var flags = (await FlagsAsync(key)).ToDictionary(f => f.GetProperty("orderId").GetString()!, f => f.GetProperty("id").GetGuid());
        var marketer = (await Server.CreateKeyAsync(ws, WorkspaceRole.Marketer)).Key;
        await Ok(HttpMethod.Post, $"/api/v1/fraud/flags/{flags["R-1"]}/resolve", marketer, new { action = "approve" }, HttpStatusCode.Forbidden);
        Assert.True((await Ok(HttpMethod.Post, $"/api/v1/fraud/flags/{flags["R-1"]}/resolve", key, new { action = "ignore" }, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("action", out _));

        Assert.Equal("approved", (await Ok(HttpMethod.Post, $"/api/v1/fraud/flags/{flags["R-1"]}/resolve", key, new { action = "approve", note = "known customer" })).GetProperty("state").GetString());
        Assert.Equal("pending", await CommissionStateAsync(key, "R-1"));
        await Ok(HttpMethod.Post, $"/api/v1/fraud/flags/{flags["R-1"]}/resolve", key, new { action = "reject" }, HttpStatusCode.Conflict);
        await Ok(HttpMethod.Post, $"/api/v1/fraud/flags/{flags["R-2"]}/resolve", key, new { action = "reject" });
        Assert.Equal("cancelled", await CommissionStateAsync(key, "R-2"));
        await Ok(HttpMethod.Post, $"/api/v1/fraud/flags/{flags["R-3"]}/resolve", key, new { action = "ban" });
        Assert.Equal("cancelled", await CommissionStateAsync(key, "R-3"));
        Assert.Equal("banned", (await Ok(HttpMethod.Get, $"/api/v1/creators/{creator}", key)).GetProperty("status").GetString());
        var audit = (await Ok(HttpMethod.Get, "/api/v1/audit?targetType=fraud_flag", key)).GetProperty("items").EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Equal(["fraud.approve", "fraud.ban", "fraud.reject"], audit.Order(StringComparer.Ordinal));
        Assert.Equal(0, (await Ok(HttpMethod.Get, "/api/v1/fraud/flags?state=open", key)).GetArrayLength());
    }
}
