using System.Globalization;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;
using Pulse.Tests.Shared.Platforms;

namespace Pulse.Influence.Tests.Commissions;

/// <summary>The payout webhook: each payout is posted once, signed, with where the money goes; a failed post is tried again. Both storage modes.</summary>
public sealed class PayoutWebhookTests
{
    [Fact]
    public async Task APayout_IsPostedSigned_WithTheAccount_OnceEvenAfterAFailure()
    {
        await using var hook = await WebhookReceiver.StartAsync();
        await using var server = await TestServer.StartAsync(new() { ["Security:AllowPrivateNetworkTargets"] = "true" });
        var ws = await server.CreateWorkspaceAsync();
        var key = (await server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        async Task<JsonElement> Ok(HttpMethod method, string path, object? body, HttpStatusCode expected = HttpStatusCode.OK)
        {
            var res = await server.SendAsync(method, path, key, body);
            var text = await res.Content.ReadAsStringAsync();
            TestData.AssertStatus(expected, res, text);
            return JsonDocument.Parse(text).RootElement.Clone();
        }
        var creator = (await Ok(HttpMethod.Post, "/api/v1/creators", new { name = "Anna", email = "anna@fit.example",
            payout = new { method = "bank_transfer", account = "PL61 1090 1014 0000 0712 1981 2874", holder = "Anna Kowalska" } }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, "/api/v1/codes", new { code = "ANNA10", creatorId = creator }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/programs", new { name = "P", currency = "PLN", holdDays = 30, rules = new[] { new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { creator } }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/conversions", new { orderId = "W-1", amount = 200m, currency = "PLN", code = "ANNA10",
            occurredAt = TimeProvider.System.GetUtcNow().AddDays(-40).ToString("O", CultureInfo.InvariantCulture) }, HttpStatusCode.Created);
        var ids = (await Ok(HttpMethod.Get, $"/api/v1/commissions?creatorId={creator}", null)).GetProperty("items").EnumerateArray().Select(c => c.GetProperty("id").GetGuid());
        await Ok(HttpMethod.Post, "/api/v1/commissions/actions", new { ids, action = "approve" });

        var settings = await Ok(HttpMethod.Get, "/api/v1/payouts/webhook", null);
        hook.Secret = settings.GetProperty("secret").GetString();
        await Ok(HttpMethod.Put, "/api/v1/payouts/webhook", new { url = hook.Url.ToString() });
        // The receiver is down for the first tries: they are retried.
        hook.FailNext(4, HttpStatusCode.ServiceUnavailable);
        var payout = (await Ok(HttpMethod.Post, "/api/v1/payouts", new { reference = "DEC-1" }))[0];
        var delivery = server.App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Pulse.Influence.Commissions.PayoutWebhookDelivery>().Single();
        await server.SqlAsync("UPDATE payout_deliveries SET \"NextAt\" = 0", "UPDATE payout_deliveries SET \"NextAt\" = 0");
        await delivery.RunAsync(CancellationToken.None);
        if (hook.Accepted.Count == 0)
        {
            // Still failing after the client's own retries: the next run (its wait cut short here) gets it through.
            await server.SqlAsync("UPDATE payout_deliveries SET \"NextAt\" = 0", "UPDATE payout_deliveries SET \"NextAt\" = 0");
            await delivery.RunAsync(CancellationToken.None);
        }
        var got = Assert.Single(hook.Accepted);
        Assert.Equal("payout.created", got.Json.GetProperty("type").GetString());
        Assert.Equal(payout.GetProperty("id").GetGuid(), got.Json.GetProperty("id").GetGuid());
        Assert.Equal(20m, got.Json.GetProperty("amount").GetDecimal());
        Assert.Equal("PL61109010140000071219812874", got.Json.GetProperty("account").GetString());
        Assert.Equal("DEC-1", got.Json.GetProperty("reference").GetString());
        Assert.Equal(payout.GetProperty("id").GetString(), got.Headers["Pulse-Delivery"]);
        Assert.Equal(0, hook.RefusedSignatures);
        // Delivered once: later runs send nothing more, and the settings show it.
        await server.SqlAsync("UPDATE payout_deliveries SET \"NextAt\" = 0", "UPDATE payout_deliveries SET \"NextAt\" = 0");
        await delivery.RunAsync(CancellationToken.None);
        Assert.Single(hook.Accepted);
        var recent = Assert.Single((await Ok(HttpMethod.Get, "/api/v1/payouts/webhook", null)).GetProperty("recent").EnumerateArray());
        Assert.NotEqual(JsonValueKind.Null, recent.GetProperty("deliveredAt").ValueKind);

        await Ok(HttpMethod.Put, "/api/v1/payouts/webhook", new { url = "ftp://files.example/" }, HttpStatusCode.BadRequest);
        var marketer = (await server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        TestData.AssertStatus(HttpStatusCode.Forbidden, await server.SendAsync(HttpMethod.Get, "/api/v1/payouts/webhook", marketer, null), "");
    }
}
