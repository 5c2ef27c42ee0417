using System.Collections.Frozen;
using System.Text.RegularExpressions;

namespace Pulse.Destinations.Mapping;

/// <summary>The kinds of destination Pulse forwards to.</summary>
public enum DestinationType
{
    Webhook,
    Meta,
    TikTok,
    LinkedIn,
    Ga4,
}

/// <summary>One rule of a destination's mapping: events named <paramref name="Event"/> go out as <paramref name="To"/>.</summary>
/// <param name="Custom">The target is not one of the platform's standard events but a custom event of that name (Meta, GA4).</param>
internal sealed record EventMappingRule(string Event, string To, bool Custom = false);

/// <summary>
/// Which platform event a Pulse event becomes. Events named by the Segment spec (<c>Order
/// Completed</c>, <c>Product Viewed</c> …) map to each platform's standard events by default (the
/// table in docs/destinations-platforms.md, 6.2); a destination's own rules come first and may add
/// custom events. LinkedIn has no standard events: every event it receives needs a rule naming the
/// conversion rule (<c>urn:lla:llaPartnerConversion:…</c>). Webhooks receive every event under its
/// own name. An event that maps to nothing is not sent to that destination.
/// </summary>
internal static partial class EventMapping
{
    /// <summary>Meta's standard events (Conversions API), with <c>PageView</c>.</summary>
    public static readonly FrozenSet<string> MetaStandard = FrozenSet.Create(StringComparer.Ordinal,
        "AddPaymentInfo", "AddToCart", "AddToWishlist", "CompleteRegistration", "Contact", "CustomizeProduct", "Donate",
        "FindLocation", "InitiateCheckout", "Lead", "PageView", "Purchase", "Schedule", "Search", "StartTrial",
        "SubmitApplication", "Subscribe", "ViewContent");

    /// <summary>TikTok's standard events (help centre list), with the older names still accepted.</summary>
    public static readonly FrozenSet<string> TikTokStandard = FrozenSet.Create(StringComparer.Ordinal,
        "AddPaymentInfo", "AddToCart", "AddToWishlist", "ApplicationApproval", "CompleteRegistration", "Contact",
        "CustomizeProduct", "Download", "FindLocation", "InitiateCheckout", "Lead", "Purchase", "Schedule", "Search",
        "StartTrial", "SubmitApplication", "SubmitForm", "Subscribe", "ViewContent", "CompletePayment", "PlaceAnOrder");

    /// <summary>GA4's recommended events Pulse maps to.</summary>
    public static readonly FrozenSet<string> Ga4Recommended = FrozenSet.Create(StringComparer.Ordinal,
        "add_payment_info", "add_shipping_info", "add_to_cart", "add_to_wishlist", "begin_checkout", "generate_lead",
        "login", "purchase", "refund", "remove_from_cart", "search", "select_item", "select_promotion", "share",
        "sign_up", "view_cart", "view_item", "view_item_list", "view_promotion");

    /// <summary>Names GA4 reserves for events it collects itself; the Measurement Protocol must not send them.</summary>
    public static readonly FrozenSet<string> Ga4Reserved = FrozenSet.Create(StringComparer.Ordinal,
        "ad_impression", "app_remove", "app_store_refund", "app_store_subscription_cancel", "app_store_subscription_renew",
        "click", "error", "file_download", "first_open", "first_visit", "form_start", "form_submit", "in_app_purchase",
        "page_view", "scroll", "session_start", "user_engagement", "view_complete", "video_progress", "video_start",
        "view_search_results");

    private static readonly FrozenDictionary<string, (string? Meta, string? TikTok, string? Ga4)> Defaults =
        new Dictionary<string, (string?, string?, string?)>(StringComparer.Ordinal)
        {
            ["Order Completed"] = ("Purchase", "Purchase", "purchase"),
            ["Product Viewed"] = ("ViewContent", "ViewContent", "view_item"),
            ["Product List Viewed"] = ("ViewContent", "ViewContent", "view_item_list"),
            ["Product Added"] = ("AddToCart", "AddToCart", "add_to_cart"),
            ["Product Removed"] = (null, null, "remove_from_cart"),
            ["Cart Viewed"] = (null, null, "view_cart"),
            ["Checkout Started"] = ("InitiateCheckout", "InitiateCheckout", "begin_checkout"),
            ["Payment Info Entered"] = ("AddPaymentInfo", "AddPaymentInfo", "add_payment_info"),
            ["Products Searched"] = ("Search", "Search", "search"),
            ["Product Added to Wishlist"] = ("AddToWishlist", "AddToWishlist", "add_to_wishlist"),
            ["Signed Up"] = ("CompleteRegistration", "CompleteRegistration", "sign_up"),
            ["Signed In"] = (null, null, "login"),
            ["Trial Started"] = ("StartTrial", "StartTrial", null),
            ["Order Refunded"] = (null, null, "refund"),
        }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The Pulse event names that have a default mapping to some platform.</summary>
    public static IEnumerable<string> DefaultSourceNames => Defaults.Keys;

    /// <summary>The platform event <paramref name="eventName"/> (a track event's name) becomes, or null when it is not sent.</summary>
    /// <param name="rules">The destination's own rules, which win over the defaults.</param>
    public static string? Resolve(DestinationType type, string eventName, IReadOnlyList<EventMappingRule> rules)
    {
        foreach (var rule in rules)
        {
            if (string.Equals(rule.Event, eventName, StringComparison.Ordinal))
                return rule.To;
        }
        if (type == DestinationType.Webhook)
            return eventName;
        if (!Defaults.TryGetValue(eventName, out var d))
            return null;
        return type switch
        {
            DestinationType.Meta => d.Meta,
            DestinationType.TikTok => d.TikTok,
            DestinationType.Ga4 => d.Ga4,
            _ => null,
        };
    }

    /// <summary>What is wrong with a destination's rules: one message per bad rule, naming it; empty when they are fine.</summary>
    public static IReadOnlyList<string> Problems(DestinationType type, IReadOnlyList<EventMappingRule> rules)
    {
        var problems = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < rules.Count; i++)
        {
            var (name, to, custom) = rules[i];
            var where = $"mappings[{i}]";
            if (string.IsNullOrWhiteSpace(name) || name.Length > 200)
            {
                problems.Add($"{where}.event must name a Pulse event (1 to 200 characters).");
                continue;
            }
            if (!seen.Add(name))
                problems.Add($"{where}: '{name}' is mapped twice.");
            if (string.IsNullOrWhiteSpace(to))
            {
                problems.Add($"{where}.to is required.");
                continue;
            }
            if (TargetProblem(type, to, custom) is { } p)
                problems.Add($"{where} ('{name}' → '{to}'): {p}");
        }
        return problems;
    }

    private static string? TargetProblem(DestinationType type, string to, bool custom) => type switch
    {
        DestinationType.Webhook => to.Length <= 200 ? null : "a webhook event name has at most 200 characters.",
        DestinationType.Meta when custom => MetaCustom().IsMatch(to) && !MetaStandard.Contains(to)
            ? null : "a custom Meta event name has 1 to 40 letters, digits, '_', '-' or spaces, and is not a standard event's name.",
        DestinationType.Meta => MetaStandard.Contains(to) ? null
            : $"'{to}' is not a Meta standard event ({string.Join(", ", MetaStandard.Order(StringComparer.Ordinal))}); set \"custom\": true to send a custom event.",
        DestinationType.TikTok when custom => "TikTok destinations send standard events only.",
        DestinationType.TikTok => TikTokStandard.Contains(to) ? null
            : $"'{to}' is not a TikTok standard event ({string.Join(", ", TikTokStandard.Order(StringComparer.Ordinal))}).",
        DestinationType.LinkedIn => LinkedInRule().IsMatch(to) ? null
            : "a LinkedIn mapping names the conversion rule, as urn:lla:llaPartnerConversion:<id>.",
        DestinationType.Ga4 when Ga4Reserved.Contains(to) => $"'{to}' is reserved by GA4 and cannot be sent through the Measurement Protocol.",
        DestinationType.Ga4 when custom => Ga4Name().IsMatch(to) && !Ga4Prefixes().IsMatch(to) ? null
            : "a GA4 event name has at most 40 letters, digits and '_', starts with a letter, and does not start with a reserved prefix (firebase_, ga_, google_, gtag.).",
        DestinationType.Ga4 => Ga4Recommended.Contains(to) ? null
            : $"'{to}' is not a GA4 recommended event ({string.Join(", ", Ga4Recommended.Order(StringComparer.Ordinal))}); set \"custom\": true to send a custom event.",
        _ => "unknown destination type.",
    };

    // Pulse's own conservative rule for custom Meta event names (Meta documents no exact one).
    [GeneratedRegex("^[A-Za-z0-9_\\- ]{1,40}$")]
    private static partial Regex MetaCustom();

    [GeneratedRegex("^urn:lla:llaPartnerConversion:[0-9]+$")]
    private static partial Regex LinkedInRule();

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,39}$")]
    private static partial Regex Ga4Name();

    [GeneratedRegex("^(firebase_|ga_|google_|gtag\\.)")]
    private static partial Regex Ga4Prefixes();
}
