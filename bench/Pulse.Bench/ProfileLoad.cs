using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Log;
using Pulse.Collect.Profiles;
using Pulse.Collect.Storage;
using Pulse.Hosting;

namespace Pulse.Bench;

/// <summary>
/// The profile builder's cost per event on a realistic stream: people drawn from a population of
/// 1M with a power-law skew (most appear once or twice), a fifth logged in, identifies with traits,
/// a few consent messages. Applies batches exactly as the builder does, one transaction each, on a
/// fresh data directory (embedded SQLite, or PostgreSQL with PULSE_BENCH_POSTGRES), and prints the
/// rate of EF Core's row-by-row save beside the multi-row one in the same run.
/// </summary>
internal static class ProfileLoad
{
    public static async Task RunAsync(int events, int batch)
    {
        var dir = Directory.CreateTempSubdirectory("pulse-bench-profiles-").FullName;
        var settings = new Dictionary<string, string?> { ["Storage:DataDirectory"] = dir, ["Logging:LogLevel:Default"] = "Error" };
        if (Environment.GetEnvironmentVariable("PULSE_BENCH_POSTGRES") is { Length: > 0 } pg)
        {
            settings["Storage:Mode"] = "postgres";
            settings["Storage:Postgres"] = pg;
            settings["Storage:Redis"] = Environment.GetEnvironmentVariable("PULSE_BENCH_REDIS") ?? "127.0.0.1:6379";
        }
        await using var app = PulseHost.Build(settings);
        if (settings.ContainsKey("Storage:Mode"))
            await app.Services.GetRequiredService<Pulse.Platform.Storage.Database>().MigrateAsync();
        await app.Services.GetRequiredService<Bootstrap>().PrepareAsync(default);
        var storage = settings.ContainsKey("Storage:Mode") ? "postgres" : "embedded";
        var bulk = app.Services.GetRequiredService<ProfileBatches>();
        var rowByRow = new ProfileBatches(app.Services.GetRequiredService<IServiceScopeFactory>(), app.Services.GetRequiredService<ProfileGate>(), TimeProvider.System, bulk: false);
        // Each writer gets a workspace and a stream of its own, drawn alike.
        foreach (var (name, writer, count) in new[] { ("EF Core SaveChanges, row by row (baseline)", rowByRow, Math.Max(batch, events / 4)), ("the builder: its own rows, untracked, in a statement per table (BulkSave.WriteAsync: unnest()ed arrays on PostgreSQL, a prepared row on SQLite)", bulk, events) })
        {
            var stream = Generate(count, Guid.CreateVersion7()).ToList();
            var total = Stopwatch.StartNew();
            long applied = 0;
            var perBatch = new List<double>();
            foreach (var chunk in stream.Chunk(batch))
            {
                var sw = Stopwatch.StartNew();
                await writer.ApplyAsync(ProfileBuilder.ConsumerName, chunk, null, default);
                perBatch.Add(sw.Elapsed.TotalMilliseconds);
                applied += chunk.Length;
                if (applied % (batch * 25) == 0)
                    Console.Error.WriteLine($"{name}: {applied:N0} events, {applied / total.Elapsed.TotalSeconds:F0}/s");
            }
            perBatch.Sort();
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "profile builder, realistic stream: " + name,
                storage,
                events = count,
                batch,
                eventsPerSecond = Math.Round(count / total.Elapsed.TotalSeconds),
                batchMsP50 = Math.Round(IngestLoad.Percentile(perBatch.ToArray(), 0.5), 1),
                batchMsP99 = Math.Round(IngestLoad.Percentile(perBatch.ToArray(), 0.99), 1),
                peakRssMiB = IngestLoad.PeakRss(Process.GetCurrentProcess()) / (1024 * 1024),
            }));
        }
        await using (var scope = app.Services.CreateAsyncScope())
        {
            var db = scope.ServiceProvider.GetRequiredService<ProfilesDbContext>();
            Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "profile builder, rows written", profiles = await db.Profiles.CountAsync(), identities = await db.Identities.CountAsync() }));
        }
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>A shop's stream: power-law returning visitors over a 1M population, a fifth of them logged in.</summary>
    internal static IEnumerable<LoggedEvent> Generate(int count, Guid workspace)
    {
        var rng = new Random(20261202);
        var source = Guid.CreateVersion7();
        var start = TimeProvider.System.GetUtcNow().AddHours(-1);
        string[] names = ["Product Viewed", "Product Added", "Cart Viewed", "Checkout Started", "Order Completed", "Searched"];
        for (var i = 0; i < count; i++)
        {
            // Power law: u^3 puts most draws on a small share of people while every draw can reach the whole population.
            var person = (int)(Math.Pow(rng.NextDouble(), 3) * 1_000_000);
            var anon = "anon-" + person.ToString(CultureInfo.InvariantCulture);
            var logged = person % 5 == 0;
            var user = logged ? "user-" + person.ToString(CultureInfo.InvariantCulture) : null;
            var kind = rng.Next(100);
            var at = start.AddMilliseconds(i);
            var id = "m-" + i.ToString(CultureInfo.InvariantCulture);
            string type, raw;
            string? consent = null, name = null;
            if (kind < 8 && user is not null)
            {
                type = "identify";
                raw = $"{{\"type\":\"identify\",\"messageId\":\"{id}\",\"userId\":\"{user}\",\"anonymousId\":\"{anon}\",\"traits\":{{\"email\":\"{user}@example.com\",\"plan\":\"p{rng.Next(4)}\",\"firstName\":\"Anna\"}}}}";
            }
            else if (kind < 9)
            {
                type = "track";
                name = "Consent Preference Updated";
                consent = rng.Next(10) == 0 ? "{\"advertising\":false}" : "{\"advertising\":true,\"analytics\":true}";
                raw = $"{{\"type\":\"track\",\"messageId\":\"{id}\",\"event\":\"{name}\",\"anonymousId\":\"{anon}\",\"context\":{{\"consent\":{{\"categoryPreferences\":{consent}}}}}}}";
            }
            else if (kind < 30)
            {
                type = "page";
                raw = $"{{\"type\":\"page\",\"messageId\":\"{id}\",\"anonymousId\":\"{anon}\",\"name\":\"Product\"}}";
            }
            else
            {
                type = "track";
                name = names[rng.Next(names.Length)];
                raw = $"{{\"type\":\"track\",\"messageId\":\"{id}\",\"event\":\"{name}\",\"anonymousId\":\"{anon}\",\"properties\":{{\"sku\":\"s{rng.Next(5000)}\"}}}}";
            }
            yield return new LoggedEvent(i + 1, workspace, source, id, type, name, type == "identify" || rng.Next(3) == 0 ? user : null, anon, null, null,
                at, null, null, at, new EventEnrichment(), consent, null, null, raw);
        }
    }
}
