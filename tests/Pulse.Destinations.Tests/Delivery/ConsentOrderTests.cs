using System.Collections.Concurrent;
using Pulse.Tests.Shared.Platforms;

namespace Pulse.Destinations.Tests.Delivery;

/// <summary>
/// Consent holds in log order under load: once a person opts out (or a device joins someone who
/// did), nothing after it in the log reaches a destination, however far the profiles lag behind.
/// </summary>
public sealed class ConsentOrderTests(DeliveryFixture fixture) : IClassFixture<DeliveryFixture>
{
    private static object Identify(string messageId, string userId, string? anonymousId = null, bool categories = false) => new
    {
        type = "identify",
        messageId,
        userId,
        anonymousId,
        context = categories
            ? (object)new { consent = new { optOut = true, categoryPreferences = new { advertising = false, analytics = false } } }
            : new { consent = new { optOut = true } },
    };

    private static object Page(string messageId, string anonymousId) => new { type = "page", messageId, anonymousId, name = "Product" };

    [Fact]
    public async Task OptOut_StopsEveryLaterEvent_WhileBatchLoadKeepsTheProfilesBusy()
    {
        var shop = await fixture.ShopAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        var created = await shop.CreateAsync("webhook", "Partner", new { url = hook.Url.ToString(), batchSize = 100 });
        hook.Secret = created.GetProperty("signingSecret").GetString();
        var id = created.GetProperty("id").GetString()!;
        await shop.RunningAsync(id);

        // Batch load from many distinct people (each logged in on a device of their own) keeps the profile builder behind the log.
        using var stop = new CancellationTokenSource();
        var loadSent = new ConcurrentBag<string>();
        var load = Enumerable.Range(0, 3).Select(worker => Task.Run(async () =>
        {
            for (var n = 0; !stop.IsCancellationRequested && n < 400; n++)
            {
                var batch = Enumerable.Range(0, 100).Select(i => Shop.Order($"load-{worker}-{n}-{i}", $"shopper-{worker}-{n}-{i}")).ToList();
                await shop.SendAsync(batch);
                foreach (var i in Enumerable.Range(0, 100))
                    loadSent.Add($"load-{worker}-{n}-{i}");
            }
        })).ToList();
        await Shop.EventuallyAsync(() => loadSent.Count >= 1000, "the load under way");

        // Five people: one event, then an opt-out (three without naming categories, as the tag's optOut() sends it), then five more.
        var later = new List<string>();
        for (var p = 0; p < 5; p++)
        {
            var person = $"leaver-{p}";
            await shop.SendAsync([Shop.Order($"{person}-first", person)]);
            await shop.SendAsync([Identify($"{person}-optout", person, "anon-" + person, categories: p >= 3)]);
            var after = Enumerable.Range(0, 5).Select(i => $"{person}-after-{i}").ToList();
            await shop.SendAsync(after.Select(m => Shop.Order(m, person)));
            later.AddRange(after);
        }
        // A device seen on its own, then logging in as someone who opted out: its later page views are that person's.
        await shop.SendAsync([Page("device-first", "device-z")]);
        await shop.SendAsync([new { type = "identify", messageId = "device-login", userId = "leaver-0", anonymousId = "device-z" }]);
        var device = Enumerable.Range(0, 5).Select(i => $"device-after-{i}").ToList();
        await shop.SendAsync(device.Select(m => Page(m, "device-z")));
        later.AddRange(device);

        await stop.CancelAsync();
        await Task.WhenAll(load);
        await shop.DrainedAsync(id, seconds: 120);

        var delivered = hook.Messages.Select(m => m.GetProperty("messageId").GetString()!).ToHashSet(StringComparer.Ordinal);
        Assert.Equal([], later.Where(delivered.Contains).ToArray()); // names any that leaked
        Assert.DoesNotContain("device-login", delivered);
        Assert.All(Enumerable.Range(0, 5), p => Assert.DoesNotContain($"leaver-{p}-optout", delivered));
        // Everyone else's events all went: delivery was held only where consent had to be applied first.
        Assert.Equal([], loadSent.Where(m => !delivered.Contains(m)).Take(10).ToArray());
    }
}
