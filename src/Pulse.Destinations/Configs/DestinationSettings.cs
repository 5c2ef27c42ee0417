using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Pulse.Destinations.Mapping;
using Pulse.Destinations.Matching;
using Pulse.Platform.Webhooks;

namespace Pulse.Destinations.Configs;

/// <summary>How a destination's consent categories are required: every one of them, or at least one.</summary>
internal enum ConsentMatch
{
    All,
    Any,
}

/// <summary>Fields of a person a destination may receive besides the event (its PII allow-list).</summary>
internal enum PiiField
{
    Email,
    Phone,
    FirstName,
    LastName,
    Gender,
    DateOfBirth,
    City,
    State,
    Zip,
    Country,
    ExternalId,
    Ip,
    UserAgent,
}

/// <summary>
/// A destination's settings, checked: the platform's ids and endpoint, the secrets it needs (kept
/// apart so they can be encrypted at rest and never returned), the event mapping, the consent it
/// requires and the personal fields it may receive. Parsed from the <c>config</c> object of the API
/// by <see cref="Parse"/>, which names every problem by its field.
/// </summary>
internal sealed partial record DestinationSettings
{
    public const int MaxHeaders = 20;
    public const int MaxMappings = 200;

    public required DestinationType Type { get; init; }
    /// <summary>Where requests go: the webhook's URL, or the platform's API root (tests point it at local servers).</summary>
    public required Uri Endpoint { get; init; }
    /// <summary>Meta pixel id, TikTok pixel code or GA4 measurement id; null for LinkedIn and webhooks.</summary>
    public string? PlatformId { get; init; }
    /// <summary>Meta Graph version (v21.0) or LinkedIn-Version (YYYYMM).</summary>
    public string? ApiVersion { get; init; }
    public string? TestEventCode { get; init; }
    /// <summary>Meta's action_source for events from the web (website unless set).</summary>
    public string? ActionSource { get; init; }
    /// <summary>Meta: send events with limited data use (data_processing_options LDU, location left to Meta).</summary>
    public bool LimitedDataUse { get; init; }
    /// <summary>Webhooks: one event per request, or batches of up to <see cref="BatchSize"/>.</summary>
    public bool Batch { get; init; } = true;
    public int BatchSize { get; init; }
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<EventMappingRule> Mappings { get; init; } = [];
    /// <summary>Property conditions every event must meet to be sent (all of them).</summary>
    public IReadOnlyList<EventCondition> Conditions { get; init; } = [];
    public IReadOnlyList<string> ConsentCategories { get; init; } = [];
    public ConsentMatch ConsentMatch { get; init; } = ConsentMatch.All;
    public IReadOnlyList<PiiField> Pii { get; init; } = [];
    /// <summary>The country calling code put in front of phone numbers written without one.</summary>
    public string? PhoneCallingCode { get; init; }
    /// <summary>The secrets (access token, API secret); never returned once saved.</summary>
    public IReadOnlyDictionary<string, string> Secrets { get; init; } = new Dictionary<string, string>();

    private static readonly Dictionary<DestinationType, (string Endpoint, string[] Secrets)> Defaults = new()
    {
        [DestinationType.Webhook] = ("", []),
        [DestinationType.Meta] = ("https://graph.facebook.com", ["accessToken"]),
        [DestinationType.TikTok] = ("https://business-api.tiktok.com", ["accessToken"]),
        [DestinationType.LinkedIn] = ("https://api.linkedin.com", ["accessToken"]),
        [DestinationType.Ga4] = ("https://www.google-analytics.com", ["apiSecret"]),
    };

    private static readonly HashSet<string> MetaActionSources = ["website", "app", "email", "phone_call", "chat", "physical_store", "system_generated", "business_messaging", "other"];

    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Content-Length", "Content-Type", "Content-Encoding", "Transfer-Encoding", "Connection", WebhookSignature.Header,
    };

    /// <summary>
    /// Checks <paramref name="config"/> for a destination of <paramref name="type"/>; returns the
    /// settings, or null and the problems keyed by field (<c>config.pixelId</c> …).
    /// </summary>
    /// <param name="allowPrivate">The operator's <c>Security:AllowPrivateNetworkTargets</c> (<see cref="OutboundTargets"/>): whether URLs may point into private networks.</param>
    public static (DestinationSettings? Settings, Dictionary<string, string[]> Problems) Parse(DestinationType type, JsonElement config, bool allowPrivate)
    {
        var problems = new Dictionary<string, string[]>(StringComparer.Ordinal);
        void Add(string field, string message) =>
            problems[field] = problems.TryGetValue(field, out var list) ? [.. list, message] : [message];
        if (config.ValueKind != JsonValueKind.Object)
        {
            Add("config", "config must be an object.");
            return (null, problems);
        }
        var known = new HashSet<string>(StringComparer.Ordinal) { "mappings", "consent", "pii", "phoneCallingCode", "conditions" };
        string? Text(string name, bool required = false, int max = 500)
        {
            known.Add(name);
            if (!config.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            {
                if (required)
                    Add("config." + name, $"config.{name} is required for a {Name(type)} destination.");
                return null;
            }
            if (v.ValueKind != JsonValueKind.String || v.GetString()!.Trim().Length == 0 || v.GetString()!.Length > max)
            {
                Add("config." + name, $"config.{name} must be a non-empty string of at most {max} characters.");
                return null;
            }
            return v.GetString()!.Trim();
        }

        var (defaultEndpoint, secretNames) = Defaults[type];
        var endpointField = type == DestinationType.Webhook ? "url" : "baseUrl";
        var endpointText = Text(endpointField, required: type == DestinationType.Webhook, max: 2000) ?? (defaultEndpoint.Length > 0 ? defaultEndpoint : null);
        Uri? endpoint = null;
        if (endpointText is not null)
        {
            if (TargetGuard.Problem(endpointText, allowPrivate) is { } p)
                Add("config." + endpointField, p);
            else
                endpoint = new Uri(endpointText);
        }
        var secrets = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in secretNames)
        {
            if (Text(name, required: true, max: 2000) is { } secret)
                secrets[name] = secret;
        }

        string? platformId = null, version = null, testCode = null, actionSource = null;
        bool limited = false, batch = true;
        var batchSize = 0;
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        switch (type)
        {
            case DestinationType.Meta:
                platformId = Check(Text("pixelId", required: true), MetaPixel(), "config.pixelId", "a Meta pixel (dataset) id is 5 to 20 digits.");
                version = Check(Text("apiVersion"), GraphVersion(), "config.apiVersion", "a Graph API version looks like v21.0.") ?? "v21.0";
                testCode = Text("testEventCode", max: 100);
                actionSource = Text("actionSource") ?? "website";
                if (!MetaActionSources.Contains(actionSource))
                    Add("config.actionSource", "config.actionSource must be one of " + string.Join(", ", MetaActionSources.Order(StringComparer.Ordinal)) + ".");
                limited = Flag("limitedDataUse");
                break;
            case DestinationType.TikTok:
                platformId = Check(Text("pixelCode", required: true), TikTokPixel(), "config.pixelCode", "a TikTok pixel code is 10 to 30 capital letters and digits.");
                testCode = Text("testEventCode", max: 100);
                break;
            case DestinationType.LinkedIn:
                version = Text("version") ?? "202610";
                if (!LinkedInVersion().IsMatch(version))
                    Add("config.version", "config.version is the LinkedIn-Version header: YYYYMM, for example 202610.");
                break;
            case DestinationType.Ga4:
                platformId = Check(Text("measurementId", required: true), Ga4Measurement(), "config.measurementId", "a GA4 measurement id looks like G-XXXXXXXXXX.");
                break;
            case DestinationType.Webhook:
                batch = (Text("format") ?? "batch") switch
                {
                    "batch" => true,
                    "single" => false,
                    _ => Fail("config.format", "config.format is batch or single."),
                };
                batchSize = Number("batchSize", 1, 1000) ?? 100;
                headers = Headers();
                break;
        }

        var mappings = Mappings();
        if (type == DestinationType.LinkedIn && mappings.Count == 0 && !problems.ContainsKey("config.mappings"))
            Add("config.mappings", "A LinkedIn destination needs at least one mapping from an event to a conversion rule (urn:lla:llaPartnerConversion:…).");
        var conditions = config.TryGetProperty("conditions", out var cs) && cs.ValueKind != JsonValueKind.Null ? EventConditions.Parse(cs, Add) : [];
        var (categories, match) = Consent();
        var pii = Pii();
        var callingCode = Text("phoneCallingCode", max: 3);
        if (callingCode is not null && !CallingCode().IsMatch(callingCode))
            Add("config.phoneCallingCode", "config.phoneCallingCode is the country calling code, 1 to 3 digits (48 for Poland).");
        foreach (var p in config.EnumerateObject())
        {
            if (!known.Contains(p.Name) && !secretNames.Contains(p.Name))
                Add("config." + p.Name, $"config.{p.Name} is not a setting of a {Name(type)} destination.");
        }
        if (problems.Count > 0)
            return (null, problems);
        return (new DestinationSettings
        {
            Type = type,
            Endpoint = endpoint!,
            PlatformId = platformId,
            ApiVersion = version,
            TestEventCode = testCode,
            ActionSource = type == DestinationType.Meta ? actionSource : null,
            LimitedDataUse = limited,
            Batch = batch,
            BatchSize = batchSize,
            Headers = headers,
            Mappings = mappings,
            Conditions = conditions,
            ConsentCategories = categories,
            ConsentMatch = match,
            Pii = pii,
            PhoneCallingCode = callingCode,
            Secrets = secrets,
        }, problems);

        string? Check(string? value, Regex pattern, string field, string message)
        {
            if (value is not null && !pattern.IsMatch(value))
            {
                Add(field, message);
                return null;
            }
            return value;
        }

        bool Fail(string field, string message)
        {
            Add(field, message);
            return true;
        }

        bool Flag(string name)
        {
            known.Add(name);
            if (!config.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
                return false;
            if (v.ValueKind is JsonValueKind.True or JsonValueKind.False)
                return v.GetBoolean();
            Add("config." + name, $"config.{name} must be true or false.");
            return false;
        }

        int? Number(string name, int min, int max)
        {
            known.Add(name);
            if (!config.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
                return null;
            if (v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) && n >= min && n <= max)
                return n;
            Add("config." + name, $"config.{name} must be a whole number from {min} to {max}.");
            return null;
        }

        Dictionary<string, string> Headers()
        {
            known.Add("headers");
            var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (!config.TryGetProperty("headers", out var h) || h.ValueKind == JsonValueKind.Null)
                return result;
            if (h.ValueKind != JsonValueKind.Object)
            {
                Add("config.headers", "config.headers must be an object of header names and values.");
                return result;
            }
            foreach (var p in h.EnumerateObject())
            {
                if (!HeaderName().IsMatch(p.Name) || ReservedHeaders.Contains(p.Name))
                    Add("config.headers", $"'{p.Name}' cannot be set: a header name is letters, digits and -, and Pulse sets {string.Join(", ", ReservedHeaders.Order(StringComparer.Ordinal))} itself.");
                else if (p.Value.ValueKind != JsonValueKind.String || p.Value.GetString()!.Length > 2000 || p.Value.GetString()!.Any(char.IsControl))
                    Add("config.headers", $"The value of '{p.Name}' must be a string of at most 2000 characters without line breaks.");
                else
                    result[p.Name] = p.Value.GetString()!;
            }
            if (result.Count > MaxHeaders)
                Add("config.headers", $"At most {MaxHeaders} custom headers.");
            return result;
        }

        List<EventMappingRule> Mappings()
        {
            var rules = new List<EventMappingRule>();
            if (!config.TryGetProperty("mappings", out var m) || m.ValueKind == JsonValueKind.Null)
                return rules;
            if (m.ValueKind != JsonValueKind.Array || m.GetArrayLength() > MaxMappings)
            {
                Add("config.mappings", $"config.mappings must be an array of at most {MaxMappings} {{\"event\", \"to\", \"custom\"?}} objects.");
                return rules;
            }
            foreach (var r in m.EnumerateArray())
            {
                if (r.ValueKind != JsonValueKind.Object)
                {
                    Add("config.mappings", "Each mapping is an object {\"event\", \"to\", \"custom\"?}.");
                    return [];
                }
                rules.Add(new EventMappingRule(
                    r.TryGetProperty("event", out var e) && e.ValueKind == JsonValueKind.String ? e.GetString()! : "",
                    r.TryGetProperty("to", out var t) && t.ValueKind == JsonValueKind.String ? t.GetString()! : "",
                    r.TryGetProperty("custom", out var c) && c.ValueKind == JsonValueKind.True));
            }
            foreach (var problem in EventMapping.Problems(type, rules))
                Add("config.mappings", problem);
            return rules;
        }

        (List<string>, ConsentMatch) Consent()
        {
            if (!config.TryGetProperty("consent", out var c) || c.ValueKind == JsonValueKind.Null)
                return ([], ConsentMatch.All);
            var categories = new List<string>();
            var match = ConsentMatch.All;
            if (c.ValueKind != JsonValueKind.Object
                || (c.TryGetProperty("categories", out var cats) && (cats.ValueKind != JsonValueKind.Array || cats.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String || x.GetString()!.Length is 0 or > 100))))
            {
                Add("config.consent", "config.consent is {\"categories\": [names], \"match\": \"all\" | \"any\"}.");
                return ([], match);
            }
            if (c.TryGetProperty("categories", out cats))
                categories = cats.EnumerateArray().Select(x => x.GetString()!).Distinct(StringComparer.Ordinal).ToList();
            if (c.TryGetProperty("match", out var mt))
            {
                if (mt.ValueKind == JsonValueKind.String && Enum.TryParse<ConsentMatch>(mt.GetString(), ignoreCase: true, out var parsed) && !int.TryParse(mt.GetString(), out _))
                    match = parsed;
                else
                    Add("config.consent", "config.consent.match is \"all\" or \"any\".");
            }
            return (categories, match);
        }

        List<PiiField> Pii()
        {
            // Unless listed, a destination receives what its platform matches people by.
            if (!config.TryGetProperty("pii", out var p) || p.ValueKind == JsonValueKind.Null)
                return type == DestinationType.Webhook ? [] : [.. Enum.GetValues<PiiField>()];
            var fields = new List<PiiField>();
            if (p.ValueKind != JsonValueKind.Array)
            {
                Add("config.pii", "config.pii is an array of field names.");
                return fields;
            }
            foreach (var f in p.EnumerateArray())
            {
                if (f.ValueKind == JsonValueKind.String && Enum.TryParse<PiiField>(f.GetString(), ignoreCase: true, out var field) && !int.TryParse(f.GetString(), out _))
                    fields.Add(field);
                else
                    Add("config.pii", $"{f.GetRawText()} is not a personal field; use {string.Join(", ", Enum.GetNames<PiiField>().Select(JsonNamingPolicy.CamelCase.ConvertName))}.");
            }
            return fields.Distinct().ToList();
        }
    }

    /// <summary>The hash key of a personal field for matching, when the field is one (IP and user agent are sent plain).</summary>
    public static MatchField? MatchFieldOf(PiiField field) => field switch
    {
        PiiField.Ip or PiiField.UserAgent => null,
        _ => Enum.Parse<MatchField>(field.ToString()),
    };

    private static string Name(DestinationType type) => type.ToString().ToLower(CultureInfo.InvariantCulture);

    [GeneratedRegex("^[0-9]{5,20}$")]
    private static partial Regex MetaPixel();

    [GeneratedRegex("^v[0-9]{1,2}\\.[0-9]$")]
    private static partial Regex GraphVersion();

    [GeneratedRegex("^[A-Z0-9]{10,30}$")]
    private static partial Regex TikTokPixel();

    [GeneratedRegex("^20[0-9]{2}(0[1-9]|1[0-2])$")]
    private static partial Regex LinkedInVersion();

    [GeneratedRegex("^G-[A-Z0-9]{4,20}$")]
    private static partial Regex Ga4Measurement();

    [GeneratedRegex("^[A-Za-z0-9-]{1,64}$")]
    private static partial Regex HeaderName();

    [GeneratedRegex("^[1-9][0-9]{0,2}$")]
    private static partial Regex CallingCode();
}
