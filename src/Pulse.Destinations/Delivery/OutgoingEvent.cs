using System.Text.Json;
using Pulse.Collect.Log;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Matching;

namespace Pulse.Destinations.Delivery;

/// <summary>An event on its way to one destination: the logged event, the name it goes out as, its message, and what the destination may know of the person.</summary>
/// <param name="Target">The platform event (or, for webhooks, the event name) it is sent as.</param>
/// <param name="Message">The stored Segment-spec message.</param>
internal sealed record OutgoingEvent(LoggedEvent Event, string Target, JsonElement Message, PersonFields Person);

/// <summary>
/// The personal fields of an event's person that a destination may receive (its PII allow-list
/// applied), plain: connectors normalise and hash them as their platform requires. Taken from the
/// message (<c>context.traits</c>, an identify call's <c>traits</c>) and then from the person's profile.
/// </summary>
internal sealed class PersonFields
{
    public static readonly PersonFields None = new();

    public Dictionary<MatchField, string> Values { get; } = [];
    public string? Ip { get; private set; }
    public string? UserAgent { get; private set; }

    private static readonly (MatchField Field, PiiField Allowed, string[] Names)[] Names =
    [
        (MatchField.Email, PiiField.Email, ["email"]),
        (MatchField.Phone, PiiField.Phone, ["phone"]),
        (MatchField.FirstName, PiiField.FirstName, ["firstName", "first_name"]),
        (MatchField.LastName, PiiField.LastName, ["lastName", "last_name"]),
        (MatchField.Gender, PiiField.Gender, ["gender"]),
        (MatchField.DateOfBirth, PiiField.DateOfBirth, ["birthday", "dateOfBirth", "date_of_birth"]),
        (MatchField.City, PiiField.City, ["address.city", "city"]),
        (MatchField.State, PiiField.State, ["address.state", "state"]),
        (MatchField.Zip, PiiField.Zip, ["address.postalCode", "address.postal_code", "postalCode", "zip"]),
        (MatchField.Country, PiiField.Country, ["address.country", "country"]),
    ];

    /// <summary>The trait names that hold personal fields, as webhooks strip them (top-level names; <c>address</c> holds several).</summary>
    private static readonly Dictionary<string, PiiField> TraitFields = new(StringComparer.Ordinal)
    {
        ["email"] = PiiField.Email, ["phone"] = PiiField.Phone, ["firstName"] = PiiField.FirstName, ["first_name"] = PiiField.FirstName,
        ["lastName"] = PiiField.LastName, ["last_name"] = PiiField.LastName, ["name"] = PiiField.LastName, ["gender"] = PiiField.Gender,
        ["birthday"] = PiiField.DateOfBirth, ["dateOfBirth"] = PiiField.DateOfBirth, ["date_of_birth"] = PiiField.DateOfBirth,
        ["address"] = PiiField.City, ["city"] = PiiField.City, ["state"] = PiiField.State, ["postalCode"] = PiiField.Zip, ["zip"] = PiiField.Zip,
        ["country"] = PiiField.Country,
    };

    private static readonly Dictionary<string, PiiField>.AlternateLookup<ReadOnlySpan<char>> TraitFieldsByChars = TraitFields.GetAlternateLookup<ReadOnlySpan<char>>();

    /// <summary>The personal field a trait name (UTF-8, as the stored JSON has it) holds, if any; without a string per name.</summary>
    public static bool TraitField(ReadOnlySpan<byte> utf8Name, out PiiField field)
    {
        Span<char> chars = stackalloc char[32];
        if (utf8Name.Length > chars.Length)
        {
            field = default; // longer than any name in the table
            return false;
        }
        var n = System.Text.Encoding.UTF8.GetChars(utf8Name, chars);
        return TraitFieldsByChars.TryGetValue(chars[..n], out field);
    }

    public static PersonFields From(LoggedEvent e, JsonElement message, IReadOnlyDictionary<string, JsonElement> profileTraits, IReadOnlySet<PiiField> allowed)
    {
        if (allowed.Count == 0)
            return None;
        var p = new PersonFields();
        JsonElement contextTraits = default, traits = default;
        if (message.TryGetProperty("context", out var context) && context.ValueKind == JsonValueKind.Object)
        {
            if (context.TryGetProperty("traits", out var ct) && ct.ValueKind == JsonValueKind.Object)
                contextTraits = ct;
            if (allowed.Contains(PiiField.UserAgent) && context.TryGetProperty("userAgent", out var ua) && ua.ValueKind == JsonValueKind.String)
                p.UserAgent = ua.GetString();
        }
        if (message.TryGetProperty("traits", out var t) && t.ValueKind == JsonValueKind.Object)
            traits = t;
        if (allowed.Contains(PiiField.Ip))
            p.Ip = e.Enrichment.Ip;
        foreach (var (field, pii, names) in Names)
        {
            if (!allowed.Contains(pii))
                continue;
            var value = Find(contextTraits, names) ?? Find(traits, names) ?? FindTrait(profileTraits, names);
            if (value is not null)
                p.Values[field] = value;
        }
        if (allowed.Contains(PiiField.ExternalId) && e.UserId is { } userId)
            p.Values[MatchField.ExternalId] = userId;
        return p;
    }

    private static string? Find(JsonElement obj, string[] names)
    {
        if (obj.ValueKind != JsonValueKind.Object)
            return null;
        foreach (var name in names)
        {
            var v = obj;
            foreach (var part in name.Split('.'))
            {
                if (v.ValueKind != JsonValueKind.Object || !v.TryGetProperty(part, out v))
                {
                    v = default;
                    break;
                }
            }
            if (Text(v) is { } s)
                return s;
        }
        return null;
    }

    private static string? FindTrait(IReadOnlyDictionary<string, JsonElement> traits, string[] names)
    {
        foreach (var name in names)
        {
            var dot = name.IndexOf('.');
            if (dot < 0)
            {
                if (traits.TryGetValue(name, out var v) && Text(v) is { } s)
                    return s;
            }
            else if (traits.TryGetValue(name[..dot], out var o) && Find(o, [name[(dot + 1)..]]) is { } s)
            {
                return s;
            }
        }
        return null;
    }

    private static string? Text(JsonElement v) => v.ValueKind switch
    {
        JsonValueKind.String when v.GetString()!.Length is > 0 and <= 500 => v.GetString(),
        JsonValueKind.Number => v.GetRawText(),
        _ => null,
    };
}
