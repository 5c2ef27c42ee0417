using System.Text.Json;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Mapping;

namespace Pulse.Destinations.Tests.Mapping;

public sealed class EventConditionsTests
{
    private static IReadOnlyList<EventCondition> Conditions(string json)
    {
        var (settings, problems) = DestinationSettings.Parse(DestinationType.Webhook,
            JsonDocument.Parse($$"""{"url":"https://hooks.example.com/in","conditions":{{json}}}""").RootElement, allowPrivate: false);
        Assert.True(settings is not null, string.Join("; ", problems.SelectMany(p => p.Value)));
        return settings.Conditions;
    }

    private static bool Matches(string conditions, string message) =>
        EventConditions.Matches(Conditions(conditions), JsonDocument.Parse(message).RootElement);

    [Theory]
    [InlineData("""[{"path":"properties.revenue","op":"gte","value":100}]""", """{"properties":{"revenue":120}}""", true)]
    [InlineData("""[{"path":"properties.revenue","op":"gte","value":100}]""", """{"properties":{"revenue":"99.90"}}""", false)]
    [InlineData("""[{"path":"properties.revenue","op":"gte","value":100}]""", """{"properties":{}}""", false)]
    [InlineData("""[{"path":"context.page.path","op":"contains","value":"/checkout"}]""", """{"context":{"page":{"path":"/checkout/pay"}}}""", true)]
    [InlineData("""[{"path":"properties.currency","op":"in","value":["PLN","EUR"]}]""", """{"properties":{"currency":"USD"}}""", false)]
    [InlineData("""[{"path":"properties.test","op":"notExists"}]""", """{"properties":{"test":null}}""", true)]
    [InlineData("""[{"path":"properties.test","op":"neq","value":true}]""", """{"properties":{}}""", true)]
    [InlineData("""[{"path":"type","op":"eq","value":"track"},{"path":"properties.revenue","op":"lt","value":10}]""", """{"type":"track","properties":{"revenue":12}}""", false)]
    public void EveryConditionMustHold(string conditions, string message, bool expected) => Assert.Equal(expected, Matches(conditions, message));

    [Theory]
    [InlineData("""[{"path":"properties.revenue","op":"gte","value":"100"}]""", "gte compares with a number")]
    [InlineData("""[{"path":"properties.revenue","op":"above","value":100}]""", "needs a path")]
    [InlineData("""[{"path":"properties..revenue","op":"eq","value":1}]""", "needs a path")]
    [InlineData("""[{"path":"properties.x","op":"exists","value":1}]""", "exists takes no value")]
    [InlineData("""{"path":"x"}""", "config.conditions is an array")]
    public void BadConditions_AreRefused_NamingTheProblem(string conditions, string expected)
    {
        var (settings, problems) = DestinationSettings.Parse(DestinationType.Webhook,
            JsonDocument.Parse($$"""{"url":"https://hooks.example.com/in","conditions":{{conditions}}}""").RootElement, allowPrivate: false);
        Assert.Null(settings);
        Assert.Contains(expected, string.Join(" ", problems["config.conditions"]), StringComparison.Ordinal);
    }
}
