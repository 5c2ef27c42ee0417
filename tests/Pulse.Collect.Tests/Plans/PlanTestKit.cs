using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Plans;

/// <summary>Plan and quarantine calls of the management API for a tenant.</summary>
internal static class PlanTestKit
{
    public const string OrderPlan = """
        {"definitions":{
          "track":{"Order Completed":{"schema":{"type":"object","properties":{
              "revenue":{"type":"number"},
              "currency":{"type":"string","pattern":"^[A-Z]{3}$"},
              "tier":{"enum":["gold","silver"]},
              "orderId":{"type":"string"}}},
            "required":["orderId"]}},
          "identify":{"schema":{"properties":{"email":{"type":"string"},"plan":{"type":"string"}}}}
        }}
        """;

    public static async Task<(HttpResponseMessage Response, JsonElement Body)> CallAsync(this Tenant t, HttpMethod method, string path, string? json = null, string? key = null)
    {
        using var req = new HttpRequestMessage(method, path);
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key ?? t.ApiKey);
        if (json is not null)
            req.Content = new StringContent(json, Encoding.UTF8, "application/json");
        var res = await t.Client.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        return (res, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    public static async Task<JsonElement> OkAsync(this Tenant t, HttpMethod method, string path, string? json = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var (res, body) = await t.CallAsync(method, path, json);
        TestData.AssertStatus(expected, res, body.ToString());
        return body;
    }

    /// <summary>Sets the plan's mode and publishes <paramref name="plan"/> as its next version.</summary>
    public static async Task PlanAsync(this Tenant t, string mode, string plan = OrderPlan, bool allowUnplanned = false, string? bump = null)
    {
        await t.OkAsync(HttpMethod.Put, $"/api/v1/sources/{t.SourceId}/tracking-plan", $$"""{"mode":"{{mode}}","allowUnplannedEvents":{{(allowUnplanned ? "true" : "false")}}}""");
        var trimmed = plan.TrimEnd();
        var body = bump is null ? plan : trimmed[..^1] + $",\"bump\":\"{bump}\"}}";
        await t.OkAsync(HttpMethod.Post, $"/api/v1/sources/{t.SourceId}/tracking-plan/versions", body, HttpStatusCode.Created);
    }

    public static async Task<JsonElement> QuarantineAsync(this Tenant t, string query = "") =>
        (await t.OkAsync(HttpMethod.Get, $"/api/v1/quarantine?source={t.SourceId}{query}")).GetProperty("items");

    public static HashSet<string> TypesOf(JsonElement violations) =>
        violations.EnumerateArray().Select(v => v.GetProperty("type").GetString()!).ToHashSet();
}
