using System.Globalization;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Log;
using Pulse.Collect.Profiles;
using Pulse.Collect.Storage;

namespace Pulse.Collect.Tests.Profiles;

/// <summary>
/// The profile builder keeps its rows itself (read without tracking, written as the rows it knows
/// it created and changed); EF Core's change tracking is the reference it must agree with.
/// </summary>
public sealed class ProfileBatchesTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Fact]
    public async Task TheBuildersOwnRows_EndWhereEfCoresTrackedRowsEnd_ThroughMergesAcrossAndWithinBatches()
    {
        var services = fixture.Server.App.Services;
        var builder = services.GetRequiredService<ProfileBatches>();
        var reference = new ProfileBatches(services.GetRequiredService<IServiceScopeFactory>(), services.GetRequiredService<ProfileGate>(), TimeProvider.System, bulk: false);
        var ours = (await fixture.Server.CreateWorkspaceAsync()).Id;
        var theirs = (await fixture.Server.CreateWorkspaceAsync()).Id;

        var start = DateTimeOffset.UtcNow.AddHours(-2);
        // Small batches, so that people created in one batch are found, changed and merged in later ones.
        foreach (var (writer, ws) in new[] { (builder, ours), (reference, theirs) })
        {
            foreach (var batch in Stream(ws, start).Chunk(37))
                await writer.ApplyAsync("test/" + ws.ToString("N"), batch, null, default);
        }

        var a = await PeopleAsync(ours);
        var b = await PeopleAsync(theirs);
        // The stream does stitch devices together, keep shared devices apart and record opt-outs: the comparison means something.
        Assert.Contains(a, p => p.Ids.Count(i => i.StartsWith(IdentityKinds.AnonymousId + ":", StringComparison.Ordinal)) >= 2);
        Assert.Contains(a, p => p.OptedOut);
        Assert.Contains(a, p => p.Traits.Contains("plan", StringComparison.Ordinal));
        Assert.Equal(b.Select(p => p.ToString()), a.Select(p => p.ToString()));
    }

    [Fact]
    public async Task AWriterThatStartsAgainOrGetsAPartitionBack_FindsThePeopleStoredMeanwhile()
    {
        var services = fixture.Server.App.Services;
        var scopes = services.GetRequiredService<IServiceScopeFactory>();
        var gate = services.GetRequiredService<ProfileGate>();
        var reference = new ProfileBatches(scopes, gate, TimeProvider.System, bulk: false);
        // Two nodes' builders, each remembering which ids it knows are stored.
        var first = new ProfileBatches(scopes, gate, TimeProvider.System);
        var second = new ProfileBatches(scopes, gate, TimeProvider.System);
        var ours = (await fixture.Server.CreateWorkspaceAsync()).Id;
        var theirs = (await fixture.Server.CreateWorkspaceAsync()).Id;
        var start = DateTimeOffset.UtcNow.AddHours(-2);

        foreach (var batch in Stream(theirs, start).Chunk(37))
            await reference.ApplyAsync("test/" + theirs.ToString("N"), batch, null, default);
        var thirds = Stream(ours, start).Chunk(200).ToList();
        var consumer = "test/" + ours.ToString("N");
        // The first node applies a third; the partition moves to the second node, which starts with
        // nothing in memory and must find the first node's people; then it comes back to the first.
        foreach (var batch in thirds[0].Chunk(37))
            await first.ApplyAsync(consumer, batch, null, default);
        foreach (var batch in thirds[1].Chunk(37))
            await second.ApplyAsync(consumer, batch, null, default);
        first.ForgetKnown();
        foreach (var batch in thirds[2].Chunk(37))
            await first.ApplyAsync(consumer, batch, null, default);

        Assert.Equal((await PeopleAsync(theirs)).Select(p => p.ToString()), (await PeopleAsync(ours)).Select(p => p.ToString()));
    }

    [Fact]
    public async Task TheBuildersReadOfSeveralPartitions_GivesOnlyThoseAsked_EachWithItsPartition_AndTheRawMessageWhereTheGraphParsesIt()
    {
        var log = fixture.Server.App.Services.GetRequiredService<EventLog>();
        var t = await fixture.TenantAsync();
        var after = log.Head;
        await t.IngestAsync("/v1/track", """{"anonymousId":"p-1","event":"Viewed","properties":{"sku":"s-1"}}""");
        await t.IngestAsync("/v1/identify", """{"anonymousId":"p-1","userId":"u-1","traits":{"plan":"gold"}}""");
        await t.IngestAsync("/v1/track", """{"anonymousId":"p-1","event":"Consent Given","context":{"consent":{"categoryPreferences":{"analytics":true}}}}""");
        await log.CaughtUpAsync(TimeSpan.FromSeconds(30), default);

        // Cluster mode's read (four partitions here, in either storage mode: the query is the store's).
        var all = await log.ReadPartitionsAsync(after, 1000, [0, 1, 2, 3], 4, default);
        var ours = all.Events.Select((e, i) => (Event: e, Part: all.Parts![i])).Where(x => x.Event.WorkspaceId == t.WorkspaceId).ToList();
        Assert.Equal(["track", "identify", "track"], ours.Select(x => x.Event.Type));
        var part = Assert.Single(ours.Select(x => x.Part).Distinct());
        Assert.InRange(part, 0, 3);
        Assert.True(all.Head >= ours[^1].Event.Seq);
        Assert.Equal(ours.Select(x => x.Event.Seq), all.Of(part, after).Where(e => e.WorkspaceId == t.WorkspaceId).Select(e => e.Seq));
        // Ids, times and consent always; the raw message only where the identity graph reads it.
        Assert.All(ours, x => Assert.Equal("p-1", x.Event.AnonymousId));
        Assert.Equal("u-1", ours[1].Event.UserId);
        Assert.Contains("\"gold\"", ours[1].Event.Raw, StringComparison.Ordinal);
        Assert.Contains("analytics", ours[2].Event.Consent, StringComparison.Ordinal);
        Assert.Contains("categoryPreferences", ours[2].Event.Raw, StringComparison.Ordinal);
        Assert.Equal("", ours[0].Event.Raw);

        var others = await log.ReadPartitionsAsync(after, 1000, Enumerable.Range(0, 4).Where(p => p != part).ToList(), 4, default);
        Assert.DoesNotContain(others.Events, e => e.WorkspaceId == t.WorkspaceId);
        Assert.All(others.Parts!, p => Assert.NotEqual(part, p));
        var mine = await log.ReadPartitionsAsync(after, 1000, [part], 4, default);
        Assert.Equal(ours.Select(x => x.Event.Seq), mine.Events.Where(e => e.WorkspaceId == t.WorkspaceId).Select(e => e.Seq));
        // As many as asked for: the next read starts after the last one given.
        var two = await log.ReadPartitionsAsync(after, 2, [0, 1, 2, 3], 4, default);
        Assert.Equal(all.Events.Take(2).Select(e => e.Seq), two.Events.Select(e => e.Seq));
    }

    [Fact]
    public async Task AfterTheBuilderAddedThousandsOfPeople_TheDatabaseKnowsTheTablesSize_SoIdLookUpsStaySearches()
    {
        var services = fixture.Server.App.Services;
        var builder = services.GetRequiredService<ProfileBatches>();
        var ws = (await fixture.Server.CreateWorkspaceAsync()).Id;
        var source = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow.AddHours(-1);
        // First visits of new people: a profile and an id each, more rows than the builder lets grow unanalyzed.
        var visits = Enumerable.Range(0, ProfileBatches.MinRowsBeforeAnalyze).Select(n =>
        {
            var (id, anon) = ("v" + n.ToString(CultureInfo.InvariantCulture), "visitor-" + n.ToString(CultureInfo.InvariantCulture));
            return new LoggedEvent(n + 1, ws, source, id, "page", null, null, anon, null, null, at, null, null, at, new EventEnrichment(), null, null, null,
                $"{{\"type\":\"page\",\"messageId\":\"{id}\",\"anonymousId\":\"{anon}\"}}");
        }).ToList();
        foreach (var batch in visits.Chunk(ProfileBuilder.BatchSize))
            await builder.ApplyAsync("test/" + ws.ToString("N"), batch, null, default);

        if (fixture.Server.IsCluster)
        {
            // PostgreSQL plans the batch's look-up ("Value" = ANY(…)) from the tables' statistics: while
            // they still counted the empty tables, it scanned every id of the workspace and filtered
            // (27-98 ms a look-up instead of 2 at 300k ids). The builder refreshed them itself.
            var counted = await fixture.Server.SqlRowsAsync("", "SELECT reltuples::bigint FROM pg_class WHERE relname IN ('profiles', 'profile_identities') ORDER BY relname");
            Assert.Equal(2, counted.Count);
            Assert.All(counted, c => Assert.True(long.Parse(c, CultureInfo.InvariantCulture) >= ProfileBatches.MinRowsBeforeAnalyze, $"the statistics count {c} rows"));
        }
        else
        {
            // SQLite needs no statistics for it: the look-up is a search of the whole key.
            var plan = string.Join("\n", await fixture.Server.SqlRowsAsync(
                $"EXPLAIN QUERY PLAN SELECT * FROM profile_identities WHERE WorkspaceId = '{ws.ToString().ToUpperInvariant()}' AND Kind = 'anonymous_id' AND Value = 'visitor-19'", "", column: 3));
            Assert.Matches("SEARCH profile_identities USING .*INDEX .*\\(WorkspaceId=\\? AND Kind=\\? AND Value=\\?\\)", plan);
        }
    }

    /// <summary>Every person of a workspace as the ids they hold now, with what is known of them, in a stable order.</summary>
    private async Task<List<PersonView>> PeopleAsync(Guid ws)
    {
        await using var scope = fixture.Server.App.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ProfilesDbContext>();
        var profiles = await db.Profiles.AsNoTracking().Where(p => p.WorkspaceId == ws).ToListAsync();
        var ids = await db.Identities.AsNoTracking().Where(i => i.WorkspaceId == ws).ToListAsync();
        var live = profiles.Where(p => p.MergedInto is null).ToList();
        // Every merged profile points at one that is live.
        Assert.All(profiles.Where(p => p.MergedInto is not null), p => Assert.Contains(live, l => l.Id == p.MergedInto));
        return live
            .Select(p => new PersonView(
                [.. ids.Where(i => i.ProfileId == p.Id).Select(i => i.Kind + ":" + i.Value).Order(StringComparer.Ordinal)],
                p.EventCount, p.UserId, p.OptedOut, p.Consent,
                string.Join(",", ProfileTraits.Values(p.Traits).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => t.Key + "=" + t.Value.GetRawText())),
                p.FirstSeen.ToUnixTimeMilliseconds(), p.LastSeen.ToUnixTimeMilliseconds()))
            .OrderBy(p => string.Join(" ", p.Ids), StringComparer.Ordinal)
            .ToList();
    }

    private sealed record PersonView(string[] Ids, long Events, string? UserId, bool OptedOut, string? Consent, string Traits, long First, long Last)
    {
        public override string ToString() => $"{string.Join(" ", Ids)} events={Events} user={UserId} out={OptedOut} consent={Consent} traits={Traits} seen={First}..{Last}";
    }

    /// <summary>
    /// 40 people on 1–3 devices each, half of them logging in (so their devices are stitched), a few
    /// devices shared by two people, traits, consent and opt-outs, drawn alike for any workspace.
    /// </summary>
    private static IEnumerable<LoggedEvent> Stream(Guid ws, DateTimeOffset start)
    {
        var rng = new Random(20261203);
        var source = Guid.NewGuid();
        for (var n = 0; n < 600; n++)
        {
            var person = rng.Next(40);
            var device = person % 7 == 0 && rng.Next(4) == 0 ? (person + 1) % 40 * 3 : person * 3 + rng.Next(1 + person % 3);
            var anon = "a" + device.ToString(CultureInfo.InvariantCulture);
            var user = person % 2 == 0 ? "u" + person.ToString(CultureInfo.InvariantCulture) : null;
            var at = start.AddSeconds(n);
            var id = "m" + n.ToString(CultureInfo.InvariantCulture);
            var kind = rng.Next(10);
            string type, raw;
            string? consent = null, userId = null, name = null;
            if (kind < 2 && user is not null)
            {
                type = "identify";
                userId = user;
                raw = $"{{\"type\":\"identify\",\"messageId\":\"{id}\",\"userId\":\"{user}\",\"anonymousId\":\"{anon}\",\"traits\":{{\"plan\":\"p{rng.Next(3)}\",\"n\":{n}}}}}";
            }
            else if (kind < 3)
            {
                type = "track";
                name = "Consent Preference Updated";
                var optOut = rng.Next(3) == 0;
                consent = optOut ? "{\"advertising\":false}" : "{\"advertising\":true}";
                raw = $"{{\"type\":\"track\",\"messageId\":\"{id}\",\"event\":\"{name}\",\"anonymousId\":\"{anon}\",\"context\":{{\"consent\":{{\"optOut\":{(optOut ? "true" : "false")},\"categoryPreferences\":{consent}}}}}}}";
            }
            else
            {
                type = "track";
                name = "Product Viewed";
                userId = user is not null && rng.Next(2) == 0 ? user : null;
                raw = $"{{\"type\":\"track\",\"messageId\":\"{id}\",\"event\":\"{name}\",\"anonymousId\":\"{anon}\"}}";
            }
            yield return new LoggedEvent(n + 1, ws, source, id, type, name, userId, anon, null, null, at, null, null, at, new EventEnrichment(), consent, null, null, raw);
        }
    }
}
