using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Pulse.Influence.Money;

namespace Pulse.Influence.Creators;

/// <summary>A creator's fields after checking, in canonical form; null means "not given".</summary>
internal sealed record CreatorFields
{
    public string? Name { get; init; }
    /// <summary>"" clears the e-mail on an update.</summary>
    public string? Email { get; init; }
    public string? Country { get; init; }
    public CreatorStatus? Status { get; init; }
    public List<string>? Categories { get; init; }
    public List<(SocialPlatform Platform, string Handle, long? Followers)>? Handles { get; init; }
    public List<string>? Groups { get; init; }
    public ContractFields? Contract { get; init; }
    public PayoutFields? Payout { get; init; }
}

internal sealed record ContractFields(ContractType? Type, DateOnly? Start, DateOnly? End, decimal? Fee, string? Currency, string? Terms);

internal sealed record PayoutFields(PayoutMethod Method, string Account, string? Holder);

/// <summary>
/// Checks what the API, the CLI and a CSV import send for a creator. Every problem is named by its
/// field (<c>handles.instagram</c>, <c>contract.currency</c>) so that the import can name its column.
/// </summary>
internal static partial class CreatorInput
{
    public const int MaxName = 200;
    public const int MaxCategories = 20;
    public const int MaxCategory = 50;
    public const int MaxGroups = 50;
    public const int MaxTerms = 4000;
    public const int MaxNote = 4000;
    public const long MaxFollowers = 10_000_000_000;

    public static CreatorFields Check(CreateCreatorRequest r, Dictionary<string, string[]> errors, bool creating) => new()
    {
        Name = CheckName(r.Name, errors, creating),
        Email = CheckEmail(r.Email, errors),
        Country = CheckCountry(r.Country, errors),
        Status = CheckStatus(r.Status, errors),
        Categories = CheckCategories(r.Categories, errors),
        Handles = CheckHandles(r.Handles, errors),
        Groups = CheckGroups(r.Groups, errors),
        Contract = CheckContract(r.Contract, errors),
        Payout = CheckPayout(r.Payout, errors),
    };

    public static string StatusName(CreatorStatus s) => s.ToString().ToLowerInvariant();

    public static string ContractName(ContractType t) => t switch
    {
        ContractType.FlatFee => "flat_fee",
        _ => t.ToString().ToLowerInvariant(),
    };

    public static string PayoutName(PayoutMethod m) => m switch
    {
        PayoutMethod.BankTransfer => "bank_transfer",
        _ => m.ToString().ToLowerInvariant(),
    };

    public static CreatorStatus? ParseStatus(string? s) =>
        Enum.TryParse<CreatorStatus>(s?.Trim(), ignoreCase: true, out var v) && Enum.IsDefined(v) && !s!.Trim().All(char.IsAsciiDigit) ? v : null;

    public static string? CheckNote(string? text, Dictionary<string, string[]> errors)
    {
        var v = text?.Trim();
        if (string.IsNullOrEmpty(v))
            errors["text"] = ["A note needs text."];
        else if (v.Length > MaxNote)
            errors["text"] = [$"A note is at most {MaxNote} characters."];
        else
            return v;
        return null;
    }

    private static string? CheckName(string? name, Dictionary<string, string[]> errors, bool required)
    {
        if (name is null)
        {
            if (required)
                errors["name"] = ["A creator needs a name."];
            return null;
        }
        var v = name.Trim();
        if (v.Length == 0 || v.Length > MaxName || v.Any(char.IsControl))
        {
            errors["name"] = [$"The name is 1 to {MaxName} characters without control characters."];
            return null;
        }
        return v;
    }

    private static string? CheckEmail(string? email, Dictionary<string, string[]> errors)
    {
        if (email is null)
            return null;
        var v = email.Trim().ToLowerInvariant();
        if (v.Length == 0)
            return "";
        if (v.Length > 254 || !Email().IsMatch(v))
        {
            errors["email"] = [$"'{Clip(email)}' is not an e-mail address."];
            return null;
        }
        return v;
    }

    private static string? CheckCountry(string? country, Dictionary<string, string[]> errors)
    {
        if (country is null)
            return null;
        var v = country.Trim().ToUpperInvariant();
        if (v.Length == 0)
            return "";
        if (v.Length == 2 && v.All(char.IsAsciiLetterUpper))
        {
            try
            {
                if (new RegionInfo(v).TwoLetterISORegionName == v)
                    return v;
            }
            catch (ArgumentException)
            {
            }
        }
        errors["country"] = [$"'{Clip(country)}' is not an ISO 3166-1 alpha-2 country code (PL, DE, US …)."];
        return null;
    }

    private static CreatorStatus? CheckStatus(string? status, Dictionary<string, string[]> errors)
    {
        if (status is null)
            return null;
        if (ParseStatus(status) is { } s)
            return s;
        errors["status"] = [$"'{Clip(status)}' is no status; use prospect, active, paused, ended or banned."];
        return null;
    }

    private static List<string>? CheckCategories(IReadOnlyList<string>? categories, Dictionary<string, string[]> errors)
    {
        if (categories is null)
            return null;
        var list = new List<string>();
        foreach (var c in categories)
        {
            var v = (c ?? "").Trim().ToLowerInvariant();
            if (v.Length == 0)
                continue;
            if (v.Length > MaxCategory || v.Any(char.IsControl) || v.Contains('"', StringComparison.Ordinal))
            {
                errors["categories"] = [$"A category is 1 to {MaxCategory} characters without quotes or control characters; '{Clip(c!)}' is not."];
                return null;
            }
            if (!list.Contains(v))
                list.Add(v);
        }
        if (list.Count > MaxCategories)
        {
            errors["categories"] = [$"At most {MaxCategories} categories."];
            return null;
        }
        return list;
    }

    private static List<(SocialPlatform, string, long?)>? CheckHandles(IReadOnlyList<HandleInput>? handles, Dictionary<string, string[]> errors)
    {
        if (handles is null)
            return null;
        var list = new List<(SocialPlatform, string, long?)>();
        for (var i = 0; i < handles.Count; i++)
        {
            var h = handles[i];
            if (h is null || Handles.ParsePlatform(h.Platform) is not { } platform)
            {
                errors[$"handles[{i}].platform"] = [$"'{Clip(h?.Platform ?? "")}' is no platform; use {string.Join(", ", Handles.PlatformNames)}."];
                continue;
            }
            var key = "handles." + Handles.Name(platform);
            if (list.Any(x => x.Item1 == platform))
            {
                errors[key] = [$"Two {Handles.Name(platform)} handles; a creator has one per platform."];
                continue;
            }
            var (handle, error) = Creators.Handles.Parse(platform, h.Handle);
            if (error is not null)
                errors[key] = [error];
            if (h.Followers is < 0 or > MaxFollowers)
                errors[key + ".followers"] = [$"Followers are 0 to {MaxFollowers:N0}."];
            if (handle is not null && h.Followers is null or (>= 0 and <= MaxFollowers))
                list.Add((platform, handle, h.Followers));
        }
        return list;
    }

    private static List<string>? CheckGroups(IReadOnlyList<string>? groups, Dictionary<string, string[]> errors)
    {
        if (groups is null)
            return null;
        var list = groups.Select(g => (g ?? "").Trim()).Where(g => g.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        if (list.Count > MaxGroups)
            errors["groups"] = [$"At most {MaxGroups} groups."];
        return list;
    }

    private static ContractFields? CheckContract(ContractDto? c, Dictionary<string, string[]> errors)
    {
        if (c is null)
            return null;
        ContractType? type = null;
        if (c.Type is { } t)
        {
            type = t.Trim().ToLowerInvariant() switch
            {
                "affiliate" => ContractType.Affiliate,
                "flat_fee" or "flat-fee" or "flatfee" => ContractType.FlatFee,
                "gifted" => ContractType.Gifted,
                "hybrid" => ContractType.Hybrid,
                _ => null,
            };
            if (type is null)
                errors["contract.type"] = [$"'{Clip(t)}' is no contract type; use affiliate, flat_fee, gifted or hybrid."];
        }
        if (c.Start is { } s && c.End is { } e && e < s)
            errors["contract.end"] = [$"The contract ends ({e:yyyy-MM-dd}) before it starts ({s:yyyy-MM-dd})."];
        if (c.Fee is < 0 or > 1_000_000_000m)
            errors["contract.fee"] = ["The fee is 0 to 1,000,000,000."];
        else if (c.Fee is { } fee && fee.Scale > 4 && decimal.Round(fee, 4) != fee)
            errors["contract.fee"] = ["The fee has at most 4 decimals."];
        string? currency = null;
        if (c.Currency is { } cur)
        {
            currency = Currencies.Parse(cur);
            if (currency is null)
                errors["contract.currency"] = [$"'{Clip(cur)}' is not an ISO 4217 currency code (PLN, EUR, USD …)."];
        }
        if (c.Fee is not null && c.Currency is null)
            errors["contract.currency"] = ["A fee needs its currency."];
        var terms = c.Terms?.Trim();
        if (terms is { Length: > MaxTerms })
            errors["contract.terms"] = [$"Terms are at most {MaxTerms} characters."];
        return new ContractFields(type, c.Start, c.End, c.Fee, currency, string.IsNullOrEmpty(terms) ? null : terms);
    }

    private static PayoutFields? CheckPayout(PayoutDto? p, Dictionary<string, string[]> errors)
    {
        if (p is null)
            return null;
        PayoutMethod? method = p.Method?.Trim().ToLowerInvariant() switch
        {
            "bank_transfer" or "bank" => PayoutMethod.BankTransfer,
            "paypal" => PayoutMethod.Paypal,
            "wise" => PayoutMethod.Wise,
            "other" => PayoutMethod.Other,
            _ => null,
        };
        if (method is null)
        {
            errors["payout.method"] = [$"'{Clip(p.Method ?? "")}' is no payout method; use bank_transfer, paypal, wise or other."];
            return null;
        }
        var account = (p.Account ?? "").Trim();
        string? problem = null;
        switch (method)
        {
            case PayoutMethod.BankTransfer:
                account = new string(account.Where(ch => !char.IsWhiteSpace(ch) && ch != '-').ToArray()).ToUpperInvariant();
                if (account.Length >= 2 && char.IsAsciiLetter(account[0]) && char.IsAsciiLetter(account[1]))
                    problem = IbanValid(account) ? null : "is not a valid IBAN (its check digits do not match)";
                else if (account.Length is < 6 or > 34 || !account.All(char.IsAsciiLetterOrDigit))
                    problem = "is neither an IBAN nor an account number of 6 to 34 letters and digits";
                break;
            case PayoutMethod.Paypal or PayoutMethod.Wise:
                account = account.ToLowerInvariant();
                if (account.Length > 254 || !Email().IsMatch(account))
                    problem = $"is not an e-mail address (the {PayoutName(method.Value)} account)";
                break;
            default:
                if (account.Length is 0 or > 200 || account.Any(char.IsControl))
                    problem = "must be 1 to 200 characters";
                break;
        }
        if (account.Length == 0)
            problem = "is required";
        if (problem is not null)
        {
            // The account is never echoed back, even in an error.
            errors["payout.account"] = [$"The payout account {problem}."];
            return null;
        }
        var holder = p.Holder?.Trim();
        if (holder is { Length: > 200 })
        {
            errors["payout.holder"] = ["The holder's name is at most 200 characters."];
            return null;
        }
        return new PayoutFields(method.Value, account, string.IsNullOrEmpty(holder) ? null : holder);
    }

    /// <summary>ISO 13616: move the first four characters to the end, letters to numbers (A = 10), and the number mod 97 is 1.</summary>
    internal static bool IbanValid(string iban)
    {
        if (iban.Length is < 15 or > 34 || !iban.All(char.IsAsciiLetterOrDigit) || !char.IsAsciiDigit(iban[2]) || !char.IsAsciiDigit(iban[3]))
            return false;
        var digits = string.Concat((iban[4..] + iban[..4]).Select(ch => char.IsAsciiDigit(ch) ? ch.ToString() : (ch - 'A' + 10).ToString(CultureInfo.InvariantCulture)));
        return BigInteger.Parse(digits, CultureInfo.InvariantCulture) % 97 == 1;
    }

    private static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";

    [GeneratedRegex("^[a-z0-9_.+'-]+@[a-z0-9-]+(\\.[a-z0-9-]+)+$")]
    private static partial Regex Email();
}
