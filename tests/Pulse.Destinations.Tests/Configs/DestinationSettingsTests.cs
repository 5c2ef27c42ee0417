using System.Text.Json;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Mapping;

namespace Pulse.Destinations.Tests.Configs;

/// <summary>A destination's config object: what each type needs, and a clear problem per bad field.</summary>
public sealed class DestinationSettingsTests
{
    private static (DestinationSettings? Settings, Dictionary<string, string[]> Problems) Parse(DestinationType type, string json, bool allowPrivate = false) =>
        DestinationSettings.Parse(type, JsonDocument.Parse(json).RootElement, allowPrivate);

    private static string ProblemOf(DestinationType type, string json, string field, bool allowPrivate = false)
    {
        var (settings, problems) = Parse(type, json, allowPrivate);
        Assert.Null(settings);
        Assert.True(problems.ContainsKey(field), $"no problem for {field}; got: {string.Join("; ", problems.Select(p => p.Key + ": " + string.Join(" | ", p.Value)))}");
        return string.Join(" | ", problems[field]);
    }

    [Fact]
    public void Meta_WithItsIds_Defaults_AndSecretKeptApart()
    {
        var (s, problems) = Parse(DestinationType.Meta, """
            {"pixelId":"123456789012345","accessToken":"EAAsecret","testEventCode":"TEST123",
             "mappings":[{"event":"Quiz Finished","to":"QuizFinished","custom":true}],
             "consent":{"categories":["advertising","analytics"],"match":"any"},"pii":["email","phone","ip"],"phoneCallingCode":"48"}
            """);
        Assert.Empty(problems);
        Assert.Equal(new Uri("https://graph.facebook.com"), s!.Endpoint);
        Assert.Equal("123456789012345", s.PlatformId);
        Assert.Equal("v21.0", s.ApiVersion);
        Assert.Equal("website", s.ActionSource);
        Assert.Equal("TEST123", s.TestEventCode);
        Assert.Equal("EAAsecret", s.Secrets["accessToken"]);
        Assert.Equal(ConsentMatch.Any, s.ConsentMatch);
        Assert.Equal(["advertising", "analytics"], s.ConsentCategories);
        Assert.Equal([PiiField.Email, PiiField.Phone, PiiField.Ip], s.Pii);
        Assert.Equal("48", s.PhoneCallingCode);
        Assert.Equal("QuizFinished", EventMapping.Resolve(DestinationType.Meta, "Quiz Finished", s.Mappings));
    }

    [Fact]
    public void EachPlatform_AcceptsItsMinimalConfig_WithALocalBaseUrlWhenPrivateTargetsAreAllowed()
    {
        Assert.Empty(Parse(DestinationType.TikTok, """{"pixelCode":"C4ABCDEF1234567890","accessToken":"t"}""").Problems);
        Assert.Empty(Parse(DestinationType.Ga4, """{"measurementId":"G-ABC123XYZ","apiSecret":"s"}""").Problems);
        Assert.Empty(Parse(DestinationType.LinkedIn, """{"accessToken":"t","mappings":[{"event":"Order Completed","to":"urn:lla:llaPartnerConversion:42"}]}""").Problems);
        var (s, problems) = Parse(DestinationType.Meta, """{"pixelId":"12345","accessToken":"t","baseUrl":"http://127.0.0.1:4567"}""", allowPrivate: true);
        Assert.Empty(problems);
        Assert.Equal(new Uri("http://127.0.0.1:4567"), s!.Endpoint);
        Assert.Equal(Enum.GetValues<PiiField>(), s.Pii);
    }

    [Fact]
    public void Webhook_UrlFormatBatchAndHeaders()
    {
        var (s, problems) = Parse(DestinationType.Webhook, """{"url":"https://hooks.example.com/pulse","format":"single","headers":{"X-Team":"growth","Authorization":"Bearer abc"}}""");
        Assert.Empty(problems);
        Assert.False(s!.Batch);
        Assert.Equal(100, s.BatchSize);
        Assert.Equal("growth", s.Headers["x-team"]);
        Assert.Empty(s.Pii);
        Assert.Empty(s.Secrets);
    }

    [Theory]
    [InlineData(DestinationType.Webhook, """{"url":"not a url"}""", "config.url", "absolute http")]
    [InlineData(DestinationType.Webhook, """{"url":"http://10.0.0.5/hook"}""", "config.url", "AllowPrivateNetworkTargets")]
    [InlineData(DestinationType.Webhook, """{"url":"http://169.254.169.254/"}""", "config.url", "private")]
    [InlineData(DestinationType.Webhook, """{}""", "config.url", "required")]
    [InlineData(DestinationType.Webhook, """{"url":"https://h.example.com","format":"xml"}""", "config.format", "batch or single")]
    [InlineData(DestinationType.Webhook, """{"url":"https://h.example.com","batchSize":5000}""", "config.batchSize", "1 to 1000")]
    [InlineData(DestinationType.Webhook, """{"url":"https://h.example.com","headers":{"Content-Type":"text/plain"}}""", "config.headers", "cannot be set")]
    [InlineData(DestinationType.Webhook, """{"url":"https://h.example.com","headers":{"Pulse-Signature":"x"}}""", "config.headers", "cannot be set")]
    [InlineData(DestinationType.Webhook, """{"url":"https://h.example.com","headers":{"X-A":"a\nb"}}""", "config.headers", "without line breaks")]
    [InlineData(DestinationType.Meta, """{"accessToken":"t"}""", "config.pixelId", "required")]
    [InlineData(DestinationType.Meta, """{"pixelId":"12345"}""", "config.accessToken", "required")]
    [InlineData(DestinationType.Meta, """{"pixelId":"abc","accessToken":"t"}""", "config.pixelId", "5 to 20 digits")]
    [InlineData(DestinationType.Meta, """{"pixelId":"12345","accessToken":"t","apiVersion":"21"}""", "config.apiVersion", "v21.0")]
    [InlineData(DestinationType.Meta, """{"pixelId":"12345","accessToken":"t","actionSource":"web"}""", "config.actionSource", "must be one of")]
    [InlineData(DestinationType.Meta, """{"pixelId":"12345","accessToken":"t","baseUrl":"http://localhost:9/"}""", "config.baseUrl", "localhost")]
    [InlineData(DestinationType.Meta, """{"pixelId":"12345","accessToken":"t","mappings":[{"event":"Order Completed","to":"Buy"}]}""", "config.mappings", "not a Meta standard event")]
    [InlineData(DestinationType.Meta, """{"pixelId":"12345","accessToken":"t","mappings":"Purchase"}""", "config.mappings", "must be an array")]
    [InlineData(DestinationType.Meta, """{"pixelId":"12345","accessToken":"t","measurementId":"G-ABCD"}""", "config.measurementId", "not a setting of a meta destination")]
    [InlineData(DestinationType.Meta, """{"pixelId":"12345","accessToken":"t","pii":["email","ssn"]}""", "config.pii", "not a personal field")]
    [InlineData(DestinationType.Meta, """{"pixelId":"12345","accessToken":"t","consent":{"categories":["ads"],"match":"most"}}""", "config.consent", "\"all\" or \"any\"")]
    [InlineData(DestinationType.Meta, """{"pixelId":"12345","accessToken":"t","phoneCallingCode":"+48"}""", "config.phoneCallingCode", "1 to 3 digits")]
    [InlineData(DestinationType.TikTok, """{"pixelCode":"lowercase","accessToken":"t"}""", "config.pixelCode", "capital letters")]
    [InlineData(DestinationType.TikTok, """{"pixelCode":"C4ABCDEF1234567890","accessToken":"t","mappings":[{"event":"Quiz","to":"Quiz","custom":true}]}""", "config.mappings", "standard events only")]
    [InlineData(DestinationType.LinkedIn, """{"accessToken":"t"}""", "config.mappings", "at least one mapping")]
    [InlineData(DestinationType.LinkedIn, """{"accessToken":"t","version":"2025-10","mappings":[{"event":"A","to":"urn:lla:llaPartnerConversion:1"}]}""", "config.version", "YYYYMM")]
    [InlineData(DestinationType.Ga4, """{"measurementId":"UA-12345","apiSecret":"s"}""", "config.measurementId", "G-XXXXXXXXXX")]
    [InlineData(DestinationType.Ga4, """{"measurementId":"G-ABC123","apiSecret":""}""", "config.apiSecret", "non-empty")]
    [InlineData(DestinationType.Ga4, """{"measurementId":"G-ABC123","apiSecret":"s","mappings":[{"event":"Page","to":"page_view"}]}""", "config.mappings", "reserved by GA4")]
    [InlineData(DestinationType.Ga4, """[]""", "config", "must be an object")]
    public void BadConfigs_AreRefused_NamingTheFieldAndTheRule(DestinationType type, string json, string field, string expected) =>
        Assert.Contains(expected, ProblemOf(type, json, field), StringComparison.Ordinal);

    [Fact]
    public void EveryProblemOfAConfig_IsReportedAtOnce()
    {
        var (_, problems) = Parse(DestinationType.Meta, """{"pixelId":"x","apiVersion":"2","pii":["nope"]}""");
        Assert.Equal(["config.accessToken", "config.apiVersion", "config.pii", "config.pixelId"], problems.Keys.Order(StringComparer.Ordinal));
    }
}
