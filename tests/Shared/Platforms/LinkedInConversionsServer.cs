using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Pulse.Tests.Shared.Platforms;

/// <summary>
/// A local LinkedIn Conversions API (<c>POST /rest/conversionEvents</c>, Rest.li batch create)
/// enforcing docs/destinations-platforms.md, section 3: the Bearer token, <c>LinkedIn-Version</c>
/// (YYYYMM), <c>X-Restli-Protocol-Version: 2.0.0</c> and <c>X-RestLi-Method: BATCH_CREATE</c>; at
/// most 5,000 elements, each with a conversion rule URN, a time in milliseconds no older than 90
/// days, a <c>userIds</c> array (SHA256_EMAIL hashed, the click id plain) and an event id. Errors
/// come in LinkedIn's envelope (<c>message</c>, <c>serviceErrorCode</c>, <c>status</c>); a good batch
/// answers 200 with one 201 per element.
/// </summary>
public sealed partial class LinkedInConversionsServer : StandInServer
{
    public const int MaxElements = 5000;
    private readonly TimeProvider _clock;

    private LinkedInConversionsServer(string token, TimeProvider clock)
    {
        AccessToken = token;
        _clock = clock;
    }

    public string AccessToken { get; }

    public IReadOnlyList<JsonObject> Elements => Accepted.SelectMany(r => r["elements"]!.AsArray().Select(e => e!.AsObject())).ToList();

    public static async Task<LinkedInConversionsServer> StartAsync(string accessToken = "li-token", TimeProvider? clock = null)
    {
        var server = new LinkedInConversionsServer(accessToken, clock ?? TimeProvider.System);
        await server.StartAsync(app => app.MapPost("/rest/conversionEvents", server.HandleAsync));
        return server;
    }

    private async Task HandleAsync(HttpContext http)
    {
        if (await FailIfDueAsync(http, s => ((int)s, Error((int)s, s == HttpStatusCode.TooManyRequests ? "Resource level throttle limit reached" : "Internal Server Error"))))
            return;
        var h = http.Request.Headers;
        if (h.Authorization.ToString() != "Bearer " + AccessToken)
        {
            await RefuseAsync(http, 401, Error(401, "Invalid access token"));
            return;
        }
        if (!Version().IsMatch(h["LinkedIn-Version"].ToString()))
        {
            await RefuseAsync(http, 400, Error(400, "A version must be present: LinkedIn-Version: YYYYMM"));
            return;
        }
        if (h["X-Restli-Protocol-Version"].ToString() != "2.0.0" || h["X-RestLi-Method"].ToString() != "BATCH_CREATE")
        {
            await RefuseAsync(http, 400, Error(400, "Batch create needs X-Restli-Protocol-Version: 2.0.0 and X-RestLi-Method: BATCH_CREATE"));
            return;
        }
        var body = await ReadJsonAsync(http);
        if (body?["elements"] is not JsonArray elements || elements.Count is 0 or > MaxElements)
        {
            await RefuseAsync(http, 400, Error(400, $"elements must hold 1 to {MaxElements} conversion events"));
            return;
        }
        var now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        for (var i = 0; i < elements.Count; i++)
        {
            if (Problem(elements[i] as JsonObject, now) is { } p)
            {
                await RefuseAsync(http, 422, Error(422, $"/elements/{i}: {p}"));
                return;
            }
        }
        Accept(body);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(new JsonObject { ["elements"] = new JsonArray(elements.Select(_ => (JsonNode)new JsonObject { ["status"] = 201 }).ToArray()) }.ToJsonString());
    }

    private static string? Problem(JsonObject? e, long now)
    {
        if (e is null)
            return "an element must be an object";
        if (!Rule().IsMatch(Text(e, "conversion") ?? ""))
            return "conversion must be a conversion rule URN (urn:lla:llaPartnerConversion:<id>)";
        if (e["conversionHappenedAt"] is not JsonValue t || t.GetValueKind() != JsonValueKind.Number || t.GetValue<long>() < 100_000_000_000)
            return "conversionHappenedAt must be epoch milliseconds";
        if (t.GetValue<long>() < now - 90L * 86_400_000)
            return "conversionHappenedAt is older than 90 days";
        if (e["conversionValue"] is JsonObject value && (Text(value, "currencyCode") is not { Length: 3 } || Text(value, "amount") is null))
            return "conversionValue needs currencyCode and amount (a decimal string)";
        if (e["user"]?["userIds"] is not JsonArray ids)
            return "user.userIds is required (send [] when only userInfo is known)";
        foreach (var id in ids.OfType<JsonObject>())
        {
            var type = Text(id, "idType");
            var v = Text(id, "idValue");
            if (type == "SHA256_EMAIL" && !IsSha256(v))
                return "SHA256_EMAIL must be a SHA-256 hex digest";
            if (type == "LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID" && (v is null || IsSha256(v)))
                return "the li_fat_id is sent as it is";
        }
        if (ids.Count == 0 && (e["user"]?["userInfo"] is not JsonObject info || Text(info, "firstName") is null || Text(info, "lastName") is null))
            return "without userIds, userInfo needs firstName and lastName";
        return Text(e, "eventId") is { Length: > 0 } ? null : "eventId is required for deduplication with the Insight Tag";
    }

    private static string Error(int status, string message) =>
        new JsonObject { ["message"] = message, ["serviceErrorCode"] = status, ["status"] = status }.ToJsonString();

    [GeneratedRegex("^20[0-9]{2}(0[1-9]|1[0-2])$")]
    private static partial Regex Version();

    [GeneratedRegex("^urn:lla:llaPartnerConversion:[0-9]+$")]
    private static partial Regex Rule();
}
