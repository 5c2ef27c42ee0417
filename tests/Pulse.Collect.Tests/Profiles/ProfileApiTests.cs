using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Profiles;
using Pulse.Platform.Access;
using Pulse.Platform.Storage;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Profiles;

public sealed class ProfileApiTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    private static async Task SendAsync(Tenant t, string json)
    {
        var (res, body) = await t.IngestAsync("/v1/batch", "{\"batch\":[" + json + "]}");
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.False(body.TryGetProperty("rejected", out var r) && r.ValueKind == JsonValueKind.Array && r.GetArrayLength() > 0, body.ToString());
    }

    private static async Task<JsonElement> ProfileAsync(Tenant t, string anyId, HttpStatusCode expected = HttpStatusCode.OK)
    {
        await t.ProfilesCaughtUpAsync();
        return await t.GetAsync("/api/v1/profiles/" + Uri.EscapeDataString(anyId), expected);
    }

    private static string[] Ids(JsonElement profile) =>
        [.. profile.GetProperty("identities").EnumerateArray().Select(i => i.GetProperty("kind").GetString() + ":" + i.GetProperty("value").GetString()).Order()];

    [Fact]
    public async Task TheProfileList_PagesNewestFirst_WithoutGapsOrRepeats()
    {
        var t = await fixture.TenantAsync();
        await SendAsync(t, string.Join(",", Enumerable.Range(0, 5).Select(i => $$"""{"type":"identify","userId":"page-{{i}}"}""")));
        await t.ProfilesCaughtUpAsync();
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await t.GetAsync("/api/v1/profiles?limit=2" + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(p => p.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        } while (cursor is not null);
        Assert.Equal(3, pages);
        Assert.Equal(5, seen.Distinct().Count());
        Assert.Equal(seen.OrderByDescending(id => Guid.Parse(id)), seen);
    }

    [Fact]
    public async Task Identify_StitchesTheAnonymousVisitorToTheUser_WithTraitsAndTimeline()
    {
        var t = await fixture.TenantAsync();
        await SendAsync(t, """
            {"type":"page","anonymousId":"anon-1","name":"Home","timestamp":"2026-11-20T10:00:00Z"},
            {"type":"track","anonymousId":"anon-1","event":"Product Viewed","timestamp":"2026-11-20T10:01:00Z"},
            {"type":"identify","anonymousId":"anon-1","userId":"user-1","traits":{"email":"ola@example.com","plan":"free"},"timestamp":"2026-11-20T10:02:00Z"}
            """);
        var byAnon = await ProfileAsync(t, "anon-1");
        var byUser = await ProfileAsync(t, "user-1");
        Assert.Equal(byAnon.GetProperty("id").GetGuid(), byUser.GetProperty("id").GetGuid());
        Assert.Equal(["anonymous_id:anon-1", "user_id:user-1"], Ids(byUser));
        Assert.Equal("user-1", byUser.GetProperty("userId").GetString());
        Assert.Equal("ola@example.com", byUser.GetProperty("traits").GetProperty("email").GetString());
        Assert.Equal(3, byUser.GetProperty("eventCount").GetInt64());
        Assert.Equal(3, byUser.GetProperty("timeline").GetArrayLength());
        Assert.Equal(3, (await t.EventsAsync("?profile=user-1")).GetArrayLength());
    }

    [Fact]
    public async Task Traits_AreMergedLastWriteWinsPerTrait_ByTheEventsTimestamp()
    {
        var t = await fixture.TenantAsync();
        await SendAsync(t, """
            {"type":"identify","userId":"u","traits":{"plan":"pro","city":"Kraków"},"timestamp":"2026-11-20T12:00:00Z"},
            {"type":"identify","userId":"u","traits":{"plan":"free","age":31},"timestamp":"2026-11-20T09:00:00Z"}
            """);
        var traits = (await ProfileAsync(t, "u")).GetProperty("traits");
        Assert.Equal("pro", traits.GetProperty("plan").GetString()); // the older identify arrived later but does not win
        Assert.Equal(31, traits.GetProperty("age").GetInt32());     // a trait only the older one had is still kept
        Assert.Equal("Kraków", traits.GetProperty("city").GetString());
    }

    [Fact]
    public async Task TwoDevices_OfOneUser_BecomeOneProfile_AndAnAdminCanUnmergeThem()
    {
        var t = await fixture.TenantAsync();
        await SendAsync(t, """
            {"type":"page","anonymousId":"phone","name":"Home"},
            {"type":"page","anonymousId":"laptop","name":"Home"},
            {"type":"identify","anonymousId":"phone","userId":"kasia"},
            {"type":"identify","anonymousId":"laptop","userId":"kasia"}
            """);
        var p = await ProfileAsync(t, "laptop");
        Assert.Equal(["anonymous_id:laptop", "anonymous_id:phone", "user_id:kasia"], Ids(p));
        var merge = Assert.Single(p.GetProperty("merges").EnumerateArray());
        Assert.Equal("identify", merge.GetProperty("reason").GetString());
        Assert.Equal(4, p.GetProperty("eventCount").GetInt64());

        var res = await fixture.Server.SendAsync(HttpMethod.Post, $"/api/v1/profiles/merges/{merge.GetProperty("id").GetGuid()}/unmerge", t.ApiKey);
        TestData.AssertStatus(HttpStatusCode.OK, res);
        var laptop = await ProfileAsync(t, "laptop");
        Assert.Equal(["anonymous_id:laptop"], Ids(laptop));
        Assert.Equal(["anonymous_id:phone", "user_id:kasia"], Ids(await ProfileAsync(t, "kasia")));

        // The split holds: the same pair seen again is not merged automatically.
        await SendAsync(t, """{"type":"track","anonymousId":"laptop","userId":"kasia","event":"Cart Viewed"}""");
        Assert.Equal(["anonymous_id:laptop"], Ids(await ProfileAsync(t, "laptop")));

        res = await fixture.Server.SendAsync(HttpMethod.Post, $"/api/v1/profiles/merges/{merge.GetProperty("id").GetGuid()}/unmerge", t.ApiKey);
        TestData.AssertStatus(HttpStatusCode.Conflict, res);
    }

    [Fact]
    public async Task ASharedDevice_DoesNotMergeTwoKnownPeople_ButAliasAndAdminsCan()
    {
        var t = await fixture.TenantAsync();
        await SendAsync(t, """
            {"type":"identify","anonymousId":"family-ipad","userId":"mama"},
            {"type":"identify","anonymousId":"family-ipad","userId":"tata"}
            """);
        var mama = await ProfileAsync(t, "mama");
        var tata = await ProfileAsync(t, "tata");
        Assert.NotEqual(mama.GetProperty("id").GetGuid(), tata.GetProperty("id").GetGuid());
        Assert.Equal(["user_id:tata"], Ids(tata));

        await SendAsync(t, """{"type":"alias","previousId":"tata","userId":"mama"}""");
        var merged = await ProfileAsync(t, "tata");
        Assert.Equal(mama.GetProperty("id").GetGuid(), merged.GetProperty("id").GetGuid());
        Assert.Equal("alias", merged.GetProperty("merges")[0].GetProperty("reason").GetString());

        await SendAsync(t, """{"type":"identify","userId":"babcia"}""");
        await t.ProfilesCaughtUpAsync();
        var res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/profiles/merge", t.ApiKey, new { from = "babcia", into = "mama" });
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal("manual", body.GetProperty("reason").GetString());
        Assert.Contains("user_id:babcia", Ids(await ProfileAsync(t, "mama")));
        Assert.Contains(await AuditActionsAsync(t), a => a == "profile.merged");
    }

    [Fact]
    public async Task Merge_RefusesPlaceholderIds_AndUnknownPeople()
    {
        var t = await fixture.TenantAsync();
        var res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/profiles/merge", t.ApiKey, new { from = "undefined", into = "x" });
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Contains("placeholder", body.ToString());
        res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/profiles/merge", t.ApiKey, new { from = "nobody-1", into = "nobody-2" });
        TestData.AssertStatus(HttpStatusCode.NotFound, res);
        var missing = await t.GetAsync("/api/v1/profiles/nobody", HttpStatusCode.NotFound);
        Assert.Contains("nobody", missing.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task Consent_FromEventsIsStoredOnTheProfile_AndAnOptOutIsHonouredAndAudited()
    {
        var t = await fixture.TenantAsync();
        await SendAsync(t, """
            {"type":"track","anonymousId":"v1","event":"Consent Preference Updated","timestamp":"2026-11-20T10:00:00Z",
             "context":{"consent":{"categoryPreferences":{"analytics":true,"advertising":false}}}}
            """);
        var consent = (await ProfileAsync(t, "v1")).GetProperty("consent");
        Assert.True(consent.GetProperty("categoryPreferences").GetProperty("analytics").GetBoolean());
        Assert.False(consent.GetProperty("optedOut").GetBoolean());
        var state = await ConsentAsync(t, "v1");
        Assert.True(state.Allows("analytics"));
        Assert.False(state.Allows("advertising"));
        Assert.True(state.Allows("functional")); // never answered: the workspace default (Allow)

        await SendAsync(t, """
            {"type":"track","anonymousId":"v1","event":"Consent Preference Updated","timestamp":"2026-11-20T11:00:00Z",
             "context":{"consent":{"optOut":true,"categoryPreferences":{"analytics":false,"advertising":false}}}}
            """);
        consent = (await ProfileAsync(t, "v1")).GetProperty("consent");
        Assert.True(consent.GetProperty("optedOut").GetBoolean());
        Assert.False((await ConsentAsync(t, "v1")).Allows([], requireAll: true));
        Assert.Contains(await AuditActionsAsync(t), a => a == "profile.opted_out");
    }

    [Fact]
    public async Task OptOut_ByTheApi_IsAudited_AndCanBeReversed()
    {
        var t = await fixture.TenantAsync();
        await SendAsync(t, """{"type":"identify","userId":"jan","traits":{"email":"jan@example.com"}}""");
        await t.ProfilesCaughtUpAsync();
        var res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/profiles/jan/consent", t.ApiKey, new { optOut = true });
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.True(body.GetProperty("consent").GetProperty("optedOut").GetBoolean());
        Assert.False((await ConsentAsync(t, "jan", user: true)).Allows("analytics"));

        res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/profiles/jan/consent", t.ApiKey, new { });
        TestData.AssertStatus(HttpStatusCode.BadRequest, res);
        res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/profiles/jan/consent", t.ApiKey, new { optOut = false, categoryPreferences = new { analytics = true } });
        TestData.AssertStatus(HttpStatusCode.OK, res);
        Assert.True((await ConsentAsync(t, "jan", user: true)).Allows("analytics"));
        var actions = await AuditActionsAsync(t);
        Assert.Contains("profile.opted_out", actions);
        Assert.Contains("profile.opted_in", actions);
    }

    [Fact]
    public async Task Export_HoldsTheProfileAndEveryEventOfThePerson()
    {
        var t = await fixture.TenantAsync();
        await SendAsync(t, """
            {"type":"page","anonymousId":"a-x","name":"Home"},
            {"type":"identify","anonymousId":"a-x","userId":"u-x","traits":{"email":"x@example.com"}},
            {"type":"track","userId":"someone-else","event":"Order Completed"}
            """);
        await t.ProfilesCaughtUpAsync();
        var res = await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/profiles/u-x/export", t.ApiKey);
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Contains("attachment", res.Content.Headers.ContentDisposition?.ToString() ?? "");
        Assert.Equal("x@example.com", body.GetProperty("profile").GetProperty("traits").GetProperty("email").GetString());
        var events = body.GetProperty("events");
        Assert.Equal(2, events.GetArrayLength());
        Assert.DoesNotContain("someone-else", body.ToString());
        Assert.Contains(await AuditActionsAsync(t), a => a == "profile.exported");
    }

    [Fact]
    public async Task Erase_RemovesEventsProfileAndIdentities_AndKeepsARecordWithoutPersonalData()
    {
        var t = await fixture.TenantAsync();
        await SendAsync(t, """
            {"type":"page","anonymousId":"e-anon","name":"Home"},
            {"type":"identify","anonymousId":"e-anon","userId":"erase-me","traits":{"email":"gone@example.com"}},
            {"type":"track","userId":"erase-me","event":"Order Completed"},
            {"type":"track","userId":"stays","event":"Order Completed"}
            """);
        // A message refused by the checks is kept in quarantine, with the person's id.
        var (refused, _) = await t.IngestAsync("/v1/batch", """{"batch":[{"type":"track","userId":"erase-me"},{"type":"page","userId":"stays"}]}""");
        TestData.AssertStatus(HttpStatusCode.OK, refused);
        await t.ProfilesCaughtUpAsync();
        var res = await fixture.Server.SendAsync(HttpMethod.Delete, "/api/v1/profiles/e-anon", t.ApiKey);
        var record = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.OK, res, record.ToString());
        Assert.Equal(3, record.GetProperty("steps").GetProperty("events").GetInt64());
        Assert.Equal(1, record.GetProperty("steps").GetProperty("profiles").GetInt64());
        Assert.Equal(2, record.GetProperty("identityCount").GetInt32());
        Assert.Equal(1, record.GetProperty("steps").GetProperty("quarantine").GetInt64());

        await t.GetAsync("/api/v1/profiles/erase-me", HttpStatusCode.NotFound);
        await t.GetAsync("/api/v1/profiles/e-anon", HttpStatusCode.NotFound);
        var left = await t.EventsAsync();
        Assert.All(left.EnumerateArray(), e => Assert.Equal("stays", e.GetProperty("userId").GetString()));
        Assert.Equal(2, left.GetArrayLength());

        var erasures = await t.GetAsync("/api/v1/profiles/erasures");
        var kept = Assert.Single(erasures.GetProperty("items").EnumerateArray()).ToString();
        Assert.DoesNotContain("erase-me", kept);
        Assert.DoesNotContain("gone@example.com", kept);
        Assert.Contains(await AuditActionsAsync(t), a => a == "profile.erased");
        var audit = await AuditTextAsync(t);
        Assert.DoesNotContain("gone@example.com", audit);
    }

    [Fact]
    public async Task Roles_ViewerCannotSeeProfiles_MarketerCanLookButNotErase()
    {
        var t = await fixture.TenantAsync();
        await SendAsync(t, """{"type":"identify","userId":"r-1"}""");
        await t.ProfilesCaughtUpAsync();
        var viewer = (await fixture.Server.CreateKeyAsync(t.WorkspaceId, WorkspaceRole.Viewer)).Key;
        var marketer = (await fixture.Server.CreateKeyAsync(t.WorkspaceId, WorkspaceRole.Marketer)).Key;
        TestData.AssertStatus(HttpStatusCode.Forbidden, await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/profiles/r-1", viewer));
        TestData.AssertStatus(HttpStatusCode.OK, await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/profiles/r-1", marketer));
        TestData.AssertStatus(HttpStatusCode.Forbidden, await fixture.Server.SendAsync(HttpMethod.Delete, "/api/v1/profiles/r-1", marketer));
        TestData.AssertStatus(HttpStatusCode.Forbidden, await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/profiles/r-1/export", marketer));
        TestData.AssertStatus(HttpStatusCode.Unauthorized, await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/profiles/r-1", t.WriteKey));
    }

    private async Task<ConsentState> ConsentAsync(Tenant t, string id, bool user = false) =>
        await fixture.Server.WithScopeAsync<ProfileService, ConsentState>(s =>
            s.ConsentAsync(t.WorkspaceId, user ? id : null, user ? null : id, CancellationToken.None));

    private async Task<List<string>> AuditActionsAsync(Tenant t) =>
        (await fixture.Server.AuditAsync(t.WorkspaceId)).Select(e => e.Action).ToList();

    private async Task<string> AuditTextAsync(Tenant t) =>
        string.Join("\n", (await fixture.Server.AuditAsync(t.WorkspaceId)).Select(e => (e.Before ?? "") + (e.After ?? "") + e.TargetId));
}
