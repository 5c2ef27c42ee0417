using System.Text.Json;
using Pulse.Collect.Log;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Connectors;
using Pulse.Destinations.Delivery;

namespace Pulse.Destinations.Tests.Delivery;

/// <summary>What a webhook receives of one stored message: streamed from the stored JSON, renamed, without the personal fields it may not have.</summary>
public sealed class WebhookMessageTests
{
    private static JsonElement Written(string raw, string target, params PiiField[] allowed)
    {
        var e = new LoggedEvent(1, Guid.NewGuid(), Guid.NewGuid(), "m-1", "track", "Order Completed", "u-1", "a-1", null, null,
            DateTimeOffset.UnixEpoch, null, null, DateTimeOffset.UnixEpoch, new EventEnrichment(), null, null, null, raw);
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
            WebhookConnector.WriteMessage(w, new OutgoingEvent(e, target, default, PersonFields.None), allowed.ToHashSet());
        return JsonDocument.Parse(buffer.WrittenMemory).RootElement.Clone();
    }

    [Fact]
    public void PersonalFields_AreLeftOut_EverythingElseIsKeptAsStored()
    {
        var m = Written("""
            {"type":"identify","event":"Order Completed","userId":"u-1",
             "traits":{"email":"a@example.com","phone":"+48 600","plan":"<b>gold</b>","address":{"city":"Kraków"},"nested":{"deep":[1,{"x":null}]}},
             "context":{"ip":"83.1.2.3","userAgent":"Mozilla/5.0","locale":"pl-PL","traits":{"email":"b@example.com","tier":2},"page":{"url":"https://shop.example/?q=1"}},
             "properties":{"revenue":12.50,"items":[{"sku":"s-1"}],"flag":true,"none":null}}
            """, "Purchase");
        Assert.Equal("Purchase", m.GetProperty("event").GetString());
        var traits = m.GetProperty("traits");
        Assert.False(traits.TryGetProperty("email", out _));
        Assert.False(traits.TryGetProperty("phone", out _));
        Assert.False(traits.TryGetProperty("address", out _));
        Assert.Equal("<b>gold</b>", traits.GetProperty("plan").GetString());
        Assert.Equal(JsonValueKind.Null, traits.GetProperty("nested").GetProperty("deep")[1].GetProperty("x").ValueKind);
        var context = m.GetProperty("context");
        Assert.False(context.TryGetProperty("ip", out _));
        Assert.False(context.TryGetProperty("userAgent", out _));
        Assert.Equal("pl-PL", context.GetProperty("locale").GetString());
        Assert.False(context.GetProperty("traits").TryGetProperty("email", out _));
        Assert.Equal(2, context.GetProperty("traits").GetProperty("tier").GetInt32());
        Assert.Equal("https://shop.example/?q=1", context.GetProperty("page").GetProperty("url").GetString());
        Assert.Equal(12.50m, m.GetProperty("properties").GetProperty("revenue").GetDecimal());
        Assert.Equal("s-1", m.GetProperty("properties").GetProperty("items")[0].GetProperty("sku").GetString());
        Assert.True(m.GetProperty("properties").GetProperty("flag").GetBoolean());
    }

    [Fact]
    public void AllowedFields_AreSent()
    {
        var m = Written("""{"event":"x","traits":{"email":"a@example.com","phone":"1"},"context":{"ip":"83.1.2.3","userAgent":"UA"}}""", "y",
            PiiField.Email, PiiField.Ip);
        Assert.Equal("a@example.com", m.GetProperty("traits").GetProperty("email").GetString());
        Assert.False(m.GetProperty("traits").TryGetProperty("phone", out _));
        Assert.Equal("83.1.2.3", m.GetProperty("context").GetProperty("ip").GetString());
        Assert.False(m.GetProperty("context").TryGetProperty("userAgent", out _));
    }

    [Fact]
    public void EscapedNames_AndValuesOfUnusualKinds_AreHandled()
    {
        // "\u0065mail" is "email" escaped; a non-string event, non-object traits and context are copied as they are.
        var m = Written("""{"event":42,"traits":"none","context":[1,2],"properties":{"a\"b":"q\u00f3"},"x":{"\u0065mail":"kept: not a trait"}}""", "y");
        Assert.Equal(42, m.GetProperty("event").GetInt32());
        Assert.Equal("none", m.GetProperty("traits").GetString());
        Assert.Equal(2, m.GetProperty("context").GetArrayLength());
        Assert.Equal("qó", m.GetProperty("properties").GetProperty("a\"b").GetString());
        Assert.Equal("kept: not a trait", m.GetProperty("x").GetProperty("email").GetString());
        var n = Written("""{"traits":{"\u0065mail":"a@example.com","pl\u0061n":"pro"}}""", "y");
        Assert.False(n.GetProperty("traits").TryGetProperty("email", out _));
        Assert.Equal("pro", n.GetProperty("traits").GetProperty("plan").GetString());
    }
}
