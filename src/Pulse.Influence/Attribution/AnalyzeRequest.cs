using Pulse.Platform.Access;

namespace Pulse.Influence.Attribution;

/// <summary>
/// <c>POST /api/v1/attribution/analyze</c> and <c>pulse attribution analyze</c>: journeys the caller
/// supplies, attributed under the models named. A journey with <c>conversions</c> 0 and
/// <c>nulls</c> above 0 is a path that did not convert (only Markov uses those).
/// </summary>
public sealed record AnalyzeRequest(IReadOnlyList<string>? Models, IReadOnlyList<JourneyInput>? Journeys, double? HalfLifeDays = null, double? HalfLifeSteps = null)
{
    public const int MaxJourneys = 200_000;
    public const int MaxTouches = 200;
    public const int MaxTouchLength = 200;
    public const int MaxChannels = 2_000;

    /// <summary>The models, journeys and settings, or a <see cref="ValidationException"/> naming every problem.</summary>
    public (IReadOnlyList<AttributionModel> Models, IReadOnlyList<Journey> Journeys, AttributionSettings Settings) Validate()
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Error(string field, string message)
        {
            if (errors.Count < 50)
                errors[field] = [message];
        }
        var models = new List<AttributionModel>();
        if (Models is null || Models.Count == 0)
            Error("models", $"name at least one model: {string.Join(", ", AttributionModels.Names)}.");
        else
        {
            for (var i = 0; i < Models.Count; i++)
            {
                if (Models[i] is { } name && AttributionModels.TryParse(name, out var m))
                    models.Add(m);
                else
                    Error($"models[{i}]", $"'{Models[i]}' is not a model; the models are {string.Join(", ", AttributionModels.Names)}.");
            }
        }
        if (HalfLifeDays is { } days && !(days > 0 && days <= 3650))
            Error("halfLifeDays", "halfLifeDays is above 0 and at most 3650.");
        if (HalfLifeSteps is { } steps && !(steps > 0 && steps <= 1000))
            Error("halfLifeSteps", "halfLifeSteps is above 0 and at most 1000.");
        var journeys = new List<Journey>();
        var channels = new HashSet<string>(StringComparer.Ordinal);
        if (Journeys is null || Journeys.Count == 0)
            Error("journeys", "give at least one journey: {\"path\": [\"instagram\", \"email\"], \"conversions\": 1, \"value\": 100, \"nulls\": 0}.");
        else if (Journeys.Count > MaxJourneys)
            Error("journeys", $"at most {MaxJourneys:N0} journeys per request (this one has {Journeys.Count:N0}); group equal paths, or analyze in parts.");
        else
        {
            for (var i = 0; i < Journeys.Count; i++)
            {
                if (Journey(Journeys[i], $"journeys[{i}]", Error, channels) is { } j)
                    journeys.Add(j);
            }
            if (channels.Count > MaxChannels)
                Error("journeys", $"at most {MaxChannels:N0} distinct touches per request (this one has {channels.Count:N0}).");
        }
        if (errors.Count > 0)
            throw new ValidationException(errors);
        var defaults = AttributionSettings.Default;
        return (models.Distinct().ToList(), journeys, new AttributionSettings(HalfLifeDays ?? defaults.HalfLifeDays, HalfLifeSteps ?? defaults.HalfLifeSteps));
    }

    private static Journey? Journey(JourneyInput? input, string at, Action<string, string> error, HashSet<string> channels)
    {
        if (input is null)
        {
            error(at, "a journey is an object with path, conversions, value and nulls.");
            return null;
        }
        var ok = true;
        if (input.Path is not { Count: > 0 } path)
        {
            error(at + ".path", "path holds at least one touch.");
            return null;
        }
        if (path.Count > MaxTouches)
        {
            error(at + ".path", $"path holds at most {MaxTouches} touches (this one {path.Count}).");
            return null;
        }
        for (var t = 0; t < path.Count; t++)
        {
            if (string.IsNullOrWhiteSpace(path[t]) || path[t].Length > MaxTouchLength)
            {
                error($"{at}.path[{t}]", $"a touch is a name of 1 to {MaxTouchLength} characters.");
                ok = false;
            }
            else
                channels.Add(path[t]);
        }
        double Amount(double? value, string field)
        {
            if (value is null)
                return 0;
            if (!double.IsFinite(value.Value) || value.Value < 0)
            {
                error($"{at}.{field}", $"{field} is a number of 0 or more.");
                ok = false;
                return 0;
            }
            return value.Value;
        }
        var conversions = Amount(input.Conversions, "conversions");
        var value = Amount(input.Value, "value");
        var nulls = Amount(input.Nulls, "nulls");
        if (input.Conversions is null && input.Nulls is null)
        {
            error(at, "give conversions (people who took the path and converted) or nulls (who took it and did not), or both.");
            ok = false;
        }
        if (value > 0 && conversions == 0)
        {
            error($"{at}.value", "value belongs to conversions; this journey has none.");
            ok = false;
        }
        if (input.Timestamps is { } times)
        {
            if (times.Count != path.Count)
            {
                error($"{at}.timestamps", $"one timestamp per touch: the path has {path.Count}, timestamps {times.Count}.");
                ok = false;
            }
            else
            {
                for (var t = 1; t < times.Count; t++)
                {
                    if (times[t] < times[t - 1])
                    {
                        error($"{at}.timestamps[{t}]", "timestamps are in the order of the path, oldest first.");
                        ok = false;
                        break;
                    }
                }
                if (input.ConvertedAt is { } converted && times.Count > 0 && converted < times[^1])
                {
                    error($"{at}.convertedAt", "convertedAt is at or after the last touch.");
                    ok = false;
                }
            }
        }
        else if (input.ConvertedAt is not null)
        {
            error($"{at}.convertedAt", "convertedAt needs the touches' timestamps.");
            ok = false;
        }
        return ok ? new Journey(path, conversions, value, nulls, input.Timestamps, input.ConvertedAt) : null;
    }
}
