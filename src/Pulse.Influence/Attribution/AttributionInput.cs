using System.Text.Json;
using Pulse.Platform.Access;

namespace Pulse.Influence.Attribution;

/// <summary>
/// An analysis of text a person gives (a file to the CLI, the panel's text box): the API's JSON
/// request, or a CSV of paths (<see cref="JourneyCsv"/>). Every problem is a <see cref="ValidationException"/>.
/// </summary>
public static class AttributionInput
{
    /// <param name="models">The models to run; null: the JSON's own, or all seven for a CSV.</param>
    public static (AnalyzeResult Result, int Journeys) Analyze(string text, IReadOnlyList<string>? models)
    {
        if (!text.TrimStart().StartsWith('{'))
        {
            using var csv = new StringReader(text);
            return JourneyCsv.Analyze(csv, models ?? AttributionModels.Names);
        }
        AnalyzeRequest? request;
        try
        {
            request = JsonSerializer.Deserialize(text, InfluenceJsonContext.Default.AnalyzeRequest);
        }
        catch (JsonException e)
        {
            throw new ValidationException("json", "The journeys are not valid JSON: " + e.Message);
        }
        if (request is null)
            throw new ValidationException("json", "Give an object with journeys: {\"journeys\": [...]}.");
        if (models is not null)
            request = request with { Models = models };
        return (AnalyzeResult.Of(request), request.Journeys?.Count ?? 0);
    }
}
