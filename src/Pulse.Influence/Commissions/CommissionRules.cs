using Pulse.Influence.Conversions;
using Pulse.Influence.Money;

namespace Pulse.Influence.Commissions;

/// <summary>What a rule looks at in a conversion.</summary>
/// <param name="FirstAt">When the customer's first conversion with this creator happened (this one's time when it is the first).</param>
/// <param name="SalesThisMonth">The creator's sales in this conversion's calendar month, this one included.</param>
internal sealed record ConversionFacts(string Type, decimal Paid, string Currency, string? Country, IReadOnlyList<ItemDto>? Items,
    DateTimeOffset At, DateTimeOffset FirstAt, int SalesThisMonth);

/// <summary>A rule's result: the base, the rate (percent, or the flat amount), and the commission in its currency.</summary>
internal sealed record Earned(decimal Base, string RateType, decimal Rate, decimal Amount, string Currency);

/// <summary>Checks programs' rules and applies them to conversions. Rules are tried in order; the first that applies pays.</summary>
internal static class CommissionRules
{
    public const int MaxRules = 50;

    public static List<CommissionRuleDto> Check(IReadOnlyList<CommissionRuleDto>? rules, Dictionary<string, string[]> errors)
    {
        var list = new List<CommissionRuleDto>();
        if (rules is not { Count: > 0 })
        {
            errors["rules"] = ["Give at least one rule: {\"on\": \"sale\", \"type\": \"percent\", \"value\": 10}."];
            return list;
        }
        if (rules.Count > MaxRules)
        {
            errors["rules"] = [$"At most {MaxRules} rules."];
            return list;
        }
        for (var i = 0; i < rules.Count; i++)
        {
            var at = $"rules[{i}]";
            if (rules[i] is not { } r)
            {
                errors[at] = ["A rule is an object."];
                continue;
            }
            var on = (r.On ?? "sale").Trim().ToLowerInvariant();
            var type = (r.Type ?? "percent").Trim().ToLowerInvariant();
            var duration = (r.Duration ?? "lifetime").Trim().ToLowerInvariant();
            if (on is not ("sale" or "lead" or "click"))
                errors[at + ".on"] = ["on is sale, lead or click."];
            if (on == "click")
            {
                // Paid per person who clicked the creator's links in a day: a flat amount, no order to look at.
                if (type != "flat")
                    errors[at + ".type"] = ["A click rule pays a flat amount per person who clicked in a day (type flat)."];
                if (r.Duration is not null && duration != "lifetime" || r.MinOrderValue is not null || r.Categories is not null || r.Countries is not null || r.Tiers is not null)
                    errors[at + ".on"] = ["A click rule takes only a value: duration, minOrderValue, categories, countries and tiers are about orders."];
            }
            if (type is not ("percent" or "flat"))
                errors[at + ".type"] = ["type is percent (of what the customer actually paid) or flat."];
            string? Amount(decimal? v, string field)
            {
                if (v is not { } x)
                    return $"{field} is required.";
                if (x < 0 || decimal.Round(x, 4) != x)
                    return $"{field} is 0 or more with at most 4 decimals.";
                return type == "percent" && x > 100 ? $"{field} is a percentage, at most 100." : x > 1_000_000 ? $"{field} is at most 1,000,000." : null;
            }
            if (Amount(r.Value, "value") is { } e)
                errors[at + ".value"] = [e];
            if (duration is not ("once" or "months" or "lifetime"))
                errors[at + ".duration"] = ["duration is once (the customer's first order with the creator), months (for months after it) or lifetime."];
            if (duration == "months" && r.Months is not (>= 1 and <= 120))
                errors[at + ".months"] = ["months is 1 to 120 when duration is months."];
            if (r.MinOrderValue is < 0)
                errors[at + ".minOrderValue"] = ["minOrderValue may not be negative."];
            if (r.Categories is { } cats && (cats.Count > 100 || cats.Any(c => string.IsNullOrWhiteSpace(c) || c.Length > 200)))
                errors[at + ".categories"] = ["categories are up to 100 names of 1 to 200 characters."];
            if (r.Countries is { } countries && countries.Any(c => c is null || c.Trim().Length != 2 || !c.Trim().All(char.IsAsciiLetter)))
                errors[at + ".countries"] = ["countries are ISO 3166-1 alpha-2 codes (PL, DE …)."];
            var tiers = new List<CommissionTierDto>();
            for (var t = 0; r.Tiers is not null && t < r.Tiers.Count; t++)
            {
                if (r.Tiers[t] is not { MinSales: >= 1 and <= 1_000_000 } tier)
                    errors[$"{at}.tiers[{t}].minSales"] = ["minSales is 1 or more."];
                else if (Amount(tier.Value, "value") is { } te)
                    errors[$"{at}.tiers[{t}].value"] = [te];
                else
                    tiers.Add(tier);
            }
            list.Add(new CommissionRuleDto(on, type, r.Value, duration, duration == "months" ? r.Months : null, r.MinOrderValue,
                r.Categories?.Select(c => c.Trim()).ToList(), r.Countries?.Select(c => c.Trim().ToUpperInvariant()).ToList(),
                tiers.Count > 0 ? tiers.OrderBy(x => x.MinSales).ToList() : null));
        }
        return list;
    }

    /// <summary>What the first applicable rule pays for the conversion, or null when none applies.</summary>
    public static Earned? Apply(IEnumerable<CommissionRuleDto> rules, string programCurrency, ConversionFacts f)
    {
        foreach (var r in rules)
        {
            if (r.On != f.Type)
                continue;
            if (r.MinOrderValue is { } min && f.Paid < min)
                continue;
            if (r.Countries is { Count: > 0 } countries && (f.Country is null || !countries.Contains(f.Country)))
                continue;
            if (r.Duration == "once" && f.FirstAt < f.At)
                continue;
            if (r.Duration == "months" && f.At > f.FirstAt.AddMonths(r.Months ?? 0))
                continue;
            var paidBase = f.Paid;
            if (r.Categories is { Count: > 0 } cats)
            {
                var set = new HashSet<string>(cats, StringComparer.OrdinalIgnoreCase);
                var items = f.Items?.Where(i => i.Category is not null && set.Contains(i.Category)).ToList() ?? [];
                if (items.Count == 0)
                    continue;
                var total = f.Items!.Sum(i => (i.Price ?? 0) * (i.Quantity ?? 1));
                var matching = items.Sum(i => (i.Price ?? 0) * (i.Quantity ?? 1));
                // The items' share of what was actually paid (discounts and shipping spread evenly).
                paidBase = total > 0 ? decimal.Round(f.Paid * matching / total, 4) : 0;
            }
            var value = r.Value ?? 0;
            foreach (var tier in r.Tiers ?? [])
            {
                if (f.SalesThisMonth >= tier.MinSales)
                    value = tier.Value ?? value;
            }
            return r.Type == "flat"
                ? new Earned(paidBase, "flat", value, value, programCurrency)
                : new Earned(paidBase, "percent", value, decimal.Round(paidBase * value / 100, 2, MidpointRounding.AwayFromZero), f.Currency);
        }
        return null;
    }

    /// <summary>A program's currency, checked.</summary>
    public static string? Currency(string? code, Dictionary<string, string[]> errors)
    {
        var c = Currencies.Parse(code);
        if (c is null)
            errors["currency"] = [code is null ? "currency (ISO 4217) is required." : $"'{code}' is not an ISO 4217 currency code."];
        return c;
    }
}
