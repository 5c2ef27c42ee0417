using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Influence.Tests.Commissions;

/// <summary>Programs, commissions through their states, refunds before and after payout, payouts and statements; in both storage modes.</summary>
public sealed class CommissionApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<JsonElement> Ok(HttpMethod method, string path, string key, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var res = await Server.SendAsync(method, path, key, body);
        var text = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(expected, res, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private static string Ago(double days) => TimeProvider.System.GetUtcNow().AddDays(-days).ToString("O", CultureInfo.InvariantCulture);

    private async Task<(string Key, Guid Creator, Guid Program, Guid Workspace)> ProgramAsync(object rules, int holdDays = 30)
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var creator = (await Ok(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna <b>Fit</b>", payout = new { method = "bank_transfer", account = "PL61 1090 1014 0000 0712 1981 2874", holder = "Anna Kowalska" } }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, "/api/v1/codes", key, new { code = "ANNA10", creatorId = creator }, HttpStatusCode.Created);
        var program = await Ok(HttpMethod.Post, "/api/v1/programs", key, new { name = "Ambassadors", currency = "PLN", holdDays, rules, creatorIds = new[] { creator } }, HttpStatusCode.Created);
        return (key, creator, program.GetProperty("id").GetGuid(), ws.Id);
    }

    private async Task<JsonElement> SaleAsync(string key, string order, decimal amount, double daysAgo, string customer = "c-1", object? items = null, string? country = null) =>
        await Ok(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = order, amount, currency = "PLN", code = "ANNA10", customerId = customer, occurredAt = Ago(daysAgo), items, country }, HttpStatusCode.Created);

    private async Task<List<JsonElement>> CommissionsAsync(string key, Guid creator) =>
        (await Ok(HttpMethod.Get, $"/api/v1/commissions?creatorId={creator}", key)).GetProperty("items").EnumerateArray().OrderBy(c => c.GetProperty("earnedAt").GetDateTimeOffset()).ToList();

    [Fact]
    public async Task Sales_EarnByTheFirstRuleThatApplies_WithTiersCategoriesAndDuration()
    {
        var (key, creator, _, _) = await ProgramAsync(new object[]
        {
            new { on = "sale", type = "percent", value = 20, categories = new[] { "shoes" } },
            new { on = "sale", type = "percent", value = 10, duration = "once", minOrderValue = 50 },
            new { on = "sale", type = "flat", value = 7, tiers = new[] { new { minSales = 3, value = 9 } } },
            new { on = "lead", type = "flat", value = 5, countries = new[] { "PL" } },
        });
        // Shoes are 300 of the 400 in the basket; 380 was paid: the shoes' share is 285, 20% of it 57.
        await SaleAsync(key, "S-1", 380m, 1, items: new[] { new { sku = "A", category = "shoes", price = 300m, quantity = 1 }, new { sku = "B", category = "socks", price = 100m, quantity = 1 } });
        await SaleAsync(key, "S-2", 100m, 1, customer: "c-2"); // c-2's first order: 10%
        await SaleAsync(key, "S-3", 100m, 1, customer: "c-2"); // not the first any more: flat 7 (the creator's 3rd sale this month: tier 9)
        await SaleAsync(key, "S-4", 20m, 1, customer: "c-3"); // under 50: flat, 4th sale: 9
        await Ok(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "L-1", amount = 0m, currency = "PLN", type = "lead", code = "ANNA10", country = "DE" }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "L-2", amount = 0m, currency = "PLN", type = "lead", code = "ANNA10", country = "pl" }, HttpStatusCode.Created);
        var byOrder = (await CommissionsAsync(key, creator)).ToDictionary(c => c.GetProperty("orderId").GetString()!, c => c);
        Assert.Equal(57m, byOrder["S-1"].GetProperty("amount").GetDecimal());
        Assert.Equal(285m, byOrder["S-1"].GetProperty("base").GetDecimal());
        Assert.Equal(10m, byOrder["S-2"].GetProperty("amount").GetDecimal());
        Assert.Equal(9m, byOrder["S-3"].GetProperty("amount").GetDecimal());
        Assert.Equal(9m, byOrder["S-4"].GetProperty("amount").GetDecimal());
        Assert.Equal(5m, byOrder["L-2"].GetProperty("amount").GetDecimal());
        Assert.False(byOrder.ContainsKey("L-1")); // a lead from Germany: no rule applies
        Assert.All(byOrder.Values, c => Assert.Equal("pending", c.GetProperty("state").GetString()));
    }

    [Fact]
    public async Task Commissions_WaitForTheRefundWindow_FollowRefunds_AndAClawbackAfterPayoutCarriesToTheNextPayout()
    {
        var (key, creator, program, _) = await ProgramAsync(new object[] { new { on = "sale", type = "percent", value = 10 } });
        await SaleAsync(key, "P-1", 200m, 40); // past the 30-day hold
        await SaleAsync(key, "P-2", 100m, 0.001); // still in it
        var list = await CommissionsAsync(key, creator);
        Assert.Equal(TimeSpan.FromDays(30), list[0].GetProperty("availableAt").GetDateTimeOffset() - list[0].GetProperty("earnedAt").GetDateTimeOffset());
        var approve = await Ok(HttpMethod.Post, "/api/v1/commissions/actions", key, new { ids = list.Select(c => c.GetProperty("id").GetGuid()), action = "approve" });
        Assert.Equal(1, approve.GetProperty("changed").GetInt32());
        Assert.Equal(list[1].GetProperty("id").GetGuid(), approve.GetProperty("skipped")[0].GetGuid());

        // A partial refund before payout shrinks the pending commission with what was actually paid.
        await Ok(HttpMethod.Post, "/api/v1/conversions/P-2/refunds", key, new { amount = 40m, refundId = "r-1" });
        Assert.Equal(6m, (await CommissionsAsync(key, creator))[1].GetProperty("amount").GetDecimal());

        var paid = await Ok(HttpMethod.Post, "/api/v1/payouts", key, new { reference = "NOV-2026" });
        Assert.Equal(20m, Assert.Single(paid.EnumerateArray()).GetProperty("amount").GetDecimal());
        Assert.Equal("paid", (await CommissionsAsync(key, creator))[0].GetProperty("state").GetString());

        // P-1 is refunded in full after it was paid: a claw-back of −20, approved, leaves a balance of −20.
        await Ok(HttpMethod.Post, "/api/v1/conversions/P-1/refunds", key, new { refundId = "r-2" });
        var clawback = (await CommissionsAsync(key, creator)).Single(c => c.GetProperty("kind").GetString() == "clawback");
        Assert.Equal(-20m, clawback.GetProperty("amount").GetDecimal());
        Assert.Equal("approved", clawback.GetProperty("state").GetString());
        Assert.Equal(0, (await Ok(HttpMethod.Post, "/api/v1/payouts", key, new { })).GetArrayLength());

        // A bonus of 50 is approved at once; the next payout nets the claw-back: 30.
        await Ok(HttpMethod.Post, "/api/v1/commissions", key, new { programId = program, creatorId = creator, amount = 50m, note = "launch bonus" }, HttpStatusCode.Created);
        Assert.Equal(30m, Assert.Single((await Ok(HttpMethod.Post, "/api/v1/payouts", key, new { })).EnumerateArray()).GetProperty("amount").GetDecimal());

        var month = TimeProvider.System.GetUtcNow().ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var statement = await Ok(HttpMethod.Get, $"/api/v1/creators/{creator}/statements/{month}", key);
        // Owed before the month: P-1's 20. Earned in it: P-2's 6 (pending) and the bonus; reversed −20; paid 20 + 30.
        Assert.Equal(20m, statement.GetProperty("opening").GetDecimal());
        Assert.Equal(56m, statement.GetProperty("earned").GetDecimal());
        Assert.Equal(-20m, statement.GetProperty("reversed").GetDecimal());
        Assert.Equal(50m, statement.GetProperty("paid").GetDecimal());
        Assert.Equal(0m, statement.GetProperty("closing").GetDecimal());
        Assert.Equal(6m, statement.GetProperty("pending").GetDecimal());
        var html = await (await Server.SendAsync(HttpMethod.Get, $"/api/v1/creators/{creator}/statements/{month}?format=html", key)).Content.ReadAsStringAsync();
        Assert.Contains("Anna &lt;b&gt;Fit&lt;/b&gt;", html, StringComparison.Ordinal);
        var csvResponse = await Server.SendAsync(HttpMethod.Get, $"/api/v1/creators/{creator}/statements/{month}?format=csv", key);
        var csv = await csvResponse.Content.ReadAsStringAsync();
        TestData.AssertStatus(HttpStatusCode.OK, csvResponse, csv);
        Assert.Contains("closing balance,0.00", csv, StringComparison.Ordinal);

        var exported = await Server.SendAsync(HttpMethod.Get, "/api/v1/payouts/export", key);
        var export = await exported.Content.ReadAsStringAsync();
        TestData.AssertStatus(HttpStatusCode.OK, exported, export);
        Assert.Contains("PL61109010140000071219812874", export.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Contains("NOV-2026", export, StringComparison.Ordinal);
        var audit = (await Ok(HttpMethod.Get, "/api/v1/audit?targetType=payout", key)).GetProperty("items").EnumerateArray().Select(a => a.GetProperty("action").GetString()).ToList();
        Assert.Equal(2, audit.Count(a => a == "payout.created"));
        Assert.Contains("payout.exported", audit);
    }

    [Fact]
    public async Task TheApprover_ApprovesOnlyCommissionsPastTheirHold_AndLeavesHeldOnesToAPerson()
    {
        var (key, creator, _, ws) = await ProgramAsync(new object[] { new { on = "sale", type = "flat", value = 25 } });
        await SaleAsync(key, "A-1", 100m, 40);
        await SaleAsync(key, "A-2", 100m, 35);
        await SaleAsync(key, "A-3", 100m, 1);
        var held = (await CommissionsAsync(key, creator))[1].GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, "/api/v1/commissions/actions", key, new { ids = new[] { held }, action = "hold", note = "checking the customer" });
        var approver = Server.App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Pulse.Influence.Commissions.CommissionApprover>().Single();
        await approver.RunAsync(CancellationToken.None);
        Assert.Equal(["approved", "on_hold", "pending"], (await CommissionsAsync(key, creator)).Select(c => c.GetProperty("state").GetString()));
        var audit = (await Ok(HttpMethod.Get, "/api/v1/audit?action=commission.approve", key)).GetProperty("items");
        Assert.Equal("commission-approval", Assert.Single(audit.EnumerateArray()).GetProperty("actorId").GetString());
        _ = ws;
    }

    [Fact]
    public async Task Roles_AndBadInput_AreRefusedWithTheirReason()
    {
        var (key, creator, program, ws) = await ProgramAsync(new object[] { new { on = "sale", type = "percent", value = 10 } });
        await SaleAsync(key, "B-1", 100m, 40);
        Assert.Equal(program, (await Ok(HttpMethod.Get, "/api/v1/programs", key)).EnumerateArray().Single().GetProperty("id").GetGuid());
        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { name = "X", currency = "PLN", rules = new[] { new { on = "sale", type = "percent", value = 150 } } }, "rules[0].value"),
                     (new { name = "X", currency = "PLZ", rules = new[] { new { on = "sale", value = 5 } } }, "currency"),
                     (new { name = "X", currency = "PLN", rules = new[] { new { on = "view", value = 5 } } }, "rules[0].on"),
                     (new { name = "X", currency = "PLN", rules = new[] { new { on = "sale", value = 5, duration = "months" } } }, "rules[0].months"),
                     (new { name = "X", currency = "PLN", rules = Array.Empty<object>() }, "rules"),
                     (new { name = "X", currency = "PLN", holdDays = -1, rules = new[] { new { value = 5 } } }, "holdDays"),
                 })
        {
            var problem = await Ok(HttpMethod.Post, "/api/v1/programs", key, body, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        Assert.True((await Ok(HttpMethod.Post, "/api/v1/commissions/actions", key, new { ids = new[] { Guid.NewGuid() }, action = "pay" }, HttpStatusCode.BadRequest)).GetProperty("errors").TryGetProperty("action", out _));
        await Ok(HttpMethod.Get, $"/api/v1/creators/{creator}/statements/2026-13", key, expected: HttpStatusCode.BadRequest);
        await Ok(HttpMethod.Post, "/api/v1/commissions", key, new { programId = program, creatorId = creator, amount = 10m }, HttpStatusCode.BadRequest);

        // A Marketer changes programs but approves and pays nothing; an Analyst only reads.
        var marketer = (await Server.CreateKeyAsync(ws, WorkspaceRole.Marketer)).Key;
        var analyst = (await Server.CreateKeyAsync(ws, WorkspaceRole.Analyst)).Key;
        var id = Assert.Single((await Ok(HttpMethod.Get, "/api/v1/commissions", analyst)).GetProperty("items").EnumerateArray()).GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, "/api/v1/commissions/actions", marketer, new { ids = new[] { id }, action = "approve" }, HttpStatusCode.Forbidden);
        await Ok(HttpMethod.Post, "/api/v1/payouts", marketer, new { }, HttpStatusCode.Forbidden);
        await Ok(HttpMethod.Get, "/api/v1/payouts/export", marketer, expected: HttpStatusCode.Forbidden);
        await Ok(HttpMethod.Patch, $"/api/v1/programs/{program}", analyst, new { holdDays = 14 }, HttpStatusCode.Forbidden);
        Assert.Equal(14, (await Ok(HttpMethod.Patch, $"/api/v1/programs/{program}", marketer, new { holdDays = 14 })).GetProperty("holdDays").GetInt32());
        Assert.Equal("pending", Assert.Single((await Ok(HttpMethod.Get, "/api/v1/commissions", analyst)).GetProperty("items").EnumerateArray()).GetProperty("state").GetString());
    }
}
