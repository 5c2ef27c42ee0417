using CsCheck;
using Pulse.Collect.Enrichment;
using Pulse.Collect.Sources;

namespace Pulse.Collect.Tests.Enrichment;

/// <summary>
/// Properties of the page URL and referrer enrichment over generated URLs: hosts of every form
/// System.Uri knows, paths and queries with the characters it escapes, rewrites or refuses,
/// percent-encoded values, fragments.
/// </summary>
public sealed class PageUrlPropertyTests
{
    private static readonly string[] Keys = ["utm_source", "utm_medium", "utm_campaign", "utm_term", "utm_content", "fbclid", "ttclid", "li_fat_id", "gclid", "msclkid"];

    /// <summary>Whole pieces of text (a pair outside the BMP stays whole): plain, reserved, escaped, refused and non-ASCII characters.</summary>
    private static readonly string[] Pieces =
    [
        "a", "Z", "0", "9", "-", ".", "_", "~", "!", "$", "&", "'", "(", ")", "*", "+", ",", ";", "=", ":", "@", "/", "?", "#",
        "%", "%2F", "%20", "%2B", "%zz", "%C3%BC", "%F0%9F%98%80", "%ED%A0%80", "[", "]", " ", "\"", "<", ">", "`", "{", "}", "|", "^",
        "\\", "\t", "\n", "ü", "中", "😀", "..", "./", "/.", "utm_source=", "\u00a0",
    ];

    private static readonly Gen<string> Text = Gen.Frequency(
        (8, Gen.OneOf(Pieces).Array[0, 12].Select(p => string.Concat(p))),
        (1, Gen.OneOf(Pieces).Array[300, 700].Select(p => string.Concat(p)))); // past the 500 characters kept

    private static readonly Gen<string> Label = Gen.Char["abcxyzABC019-"].Array[1, 8].Select(c => new string(c));

    private static readonly Gen<string> Host = Gen.Frequency(
        (6, Label.Array[1, 4].Select(l => string.Join('.', l))),
        (1, Gen.OneOf("127.0.0.1", "0x7f.1", "127.1", "[::1]", "[fe80::1%25eth0]", "xn--bcher-kva.example", "bücher.example",
            "shop.example.", "shop..example", ".shop.example", "-a.example", "a-.example", "", "shop.example:", "user:pw@shop.example", "@shop.example")));

    private static readonly Gen<string> Query =
        (from key in Gen.Frequency((4, Gen.OneOf(Keys)), (1, Gen.OneOf("UTM_SOURCE", "utm_sourcex", "x", "", "utm_source ")), (1, Text))
         from eq in Gen.Frequency((6, Gen.Const("=")), (1, Gen.Const("")), (1, Gen.Const("==")))
         from value in Text
         select key + eq + value).Array[0, 6].Select(p => string.Join('&', p));

    /// <summary>A URL put together from a scheme, a host, a port, a path, a query and a fragment, each possibly odd.</summary>
    private static readonly Gen<string> Url =
        from scheme in Gen.OneOf("https://", "http://", "HTTPS://", "Http://", "ftp://", "", "https:/", "https:///", "//", "javascript:")
        from host in Host
        from port in Gen.OneOf("", "", ":", ":80", ":8443", ":65535", ":65536", ":99999", ":abc", ":-1")
        from path in Gen.Frequency((1, Gen.Const("")), (4, Text.Select(t => "/" + t)))
        from query in Gen.Frequency((1, Gen.Const("")), (4, Query.Select(q => "?" + q)))
        from fragment in Gen.Frequency((3, Gen.Const("")), (1, Text.Select(t => "#" + t)))
        select scheme + host + port + path + query + fragment;

    [Fact]
    public void AnyText_NeverThrows_AndGivesAPathAndValuesOfAtMost500Characters() =>
        Gen.Frequency((1, Gen.String), (3, Url)).Sample(url =>
        {
            var info = PageUrl.Parse(url);
            Assert.All(Values(info), v => Assert.InRange(v.Length, 1, PageUrl.MaxValueLength));
        }, iter: 5_000);

    [Fact]
    public void HostAndPath_AreWhatSystemUriSays_AndTheFastRoadAgreesWithIt() =>
        Url.Sample(url =>
        {
            var info = PageUrl.Parse(url);
            Assert.Equal(PageUrl.ParseWithUri(url), info);
            if (Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https")
            {
                Assert.Equal(uri.Host.ToLowerInvariant(), info.Host);
                Assert.Equal(Clip(uri.AbsolutePath), info.Path);
            }
            else
                Assert.Equal(PageUrlInfo.Empty, info);
        }, iter: 5_000);

    [Fact]
    public void TextWithoutLoneSurrogates_GivesValuesWithoutThem() =>
        Url.Sample(url =>
        {
            // Ingest refuses text with half a surrogate pair; what enrichment derives from valid text must be valid too.
            var info = PageUrl.Parse(url);
            Assert.All(Values(info).Append(info.Host ?? ""), v => Assert.True(IsValidUtf16(v), $"'{v}' holds half a surrogate pair"));
        }, iter: 5_000);

    /// <summary>Each UTM value and click id comes back as it was sent, percent-encoded (RFC 3986) or form-encoded (spaces as +): the first non-blank one of its name, trimmed, at most 500 characters.</summary>
    [Fact]
    public void ParameterValues_RoundTripTheirEncoding() =>
        (from page in Gen.OneOf("https://shop.example/p", "https://Shop.Example:8443", "https://shop.example/a b/ü", "http://127.0.0.1/x")
         from pairs in (from key in Gen.Frequency((5, Gen.OneOf(Keys)), (1, Gen.OneOf("UTM_SOURCE", "utm", "q")))
                        from value in Gen.Frequency((4, Text), (1, Gen.String.Where(IsValidUtf16)))
                        from form in Gen.Bool
                        select (key, value, form)).Array[1, 8]
         from fragment in Gen.OneOf("", "#utm_source=fragment")
         select (page, pairs, fragment))
        .Sample(x =>
        {
            var (page, pairs, fragment) = x;
            var query = string.Join('&', pairs.Select(p => p.key + "=" + (p.form ? Uri.EscapeDataString(p.value).Replace("%20", "+", StringComparison.Ordinal) : Uri.EscapeDataString(p.value))));
            var info = PageUrl.Parse(page + "?" + query + fragment);
            string? Expected(string key) => pairs.Where(p => p.key == key).Select(p => Normalised(p.value)).FirstOrDefault(v => v is not null);
            string?[] found = [info.UtmSource, info.UtmMedium, info.UtmCampaign, info.UtmTerm, info.UtmContent, info.Fbclid, info.Ttclid, info.LiFatId, info.Gclid, info.Msclkid];
            for (var i = 0; i < Keys.Length; i++)
                Assert.True(Expected(Keys[i]) == found[i], $"{Keys[i]}: expected '{Expected(Keys[i])}', got '{found[i]}' from {query}");
        }, iter: 3_000);

    /// <summary>The enricher caches referrers by scheme and host only; that key must classify as the whole referrer does.</summary>
    [Fact]
    public void ReferrerClass_IsTheSame_ForTheCachedKeyAsForTheWholeReferrer()
    {
        var classifier = new ReferrerClassifier();
        using var geo = new GeoLookup(null);
        var enricher = new Enricher(new UserAgentParser(), classifier, geo);
        var referrer = Gen.Frequency((4, Url), (1, Gen.OneOf("android-app://com.google.android.gm/", "https://www.google.co.uk/search?q=x", "https://l.facebook.com/l.php?u=x",
            "https://mail.google.com/mail/u/0/", "https://news.google.pl/", "https://shop.example/other", "https://a.example\\b.example/")));
        (from r in referrer
         from page in Gen.OneOf("https://shop.example/p", "https://www.shop.example/", "https://google.com/", null)
         select (r, page))
        .Sample(x =>
        {
            var (r, page) = x;
            var enriched = enricher.Enrich(new EnrichmentInput(page, r, null, null, null, null, null, null, null), IpMode.Full, []);
            var expected = string.IsNullOrEmpty(r) ? new ReferrerInfo(null, ReferrerClassifier.Direct, null) : classifier.Classify(r, PageUrl.Parse(page).Host);
            Assert.Equal(expected, new ReferrerInfo(enriched.ReferrerDomain, enriched.ReferrerType!, enriched.ReferrerName));
        }, iter: 3_000);
    }

    private static string? Normalised(string value)
    {
        var t = value.Trim();
        return t.Length == 0 ? null : Clip(t);
    }

    /// <summary>At most 500 characters, never ending in half a surrogate pair.</summary>
    private static string Clip(string s) =>
        s.Length <= PageUrl.MaxValueLength ? s : s[..(char.IsHighSurrogate(s[PageUrl.MaxValueLength - 1]) ? PageUrl.MaxValueLength - 1 : PageUrl.MaxValueLength)];

    /// <summary>The path and the parameter values that are there.</summary>
    private static IEnumerable<string> Values(PageUrlInfo i) =>
        new[] { i.Path, i.UtmSource, i.UtmMedium, i.UtmCampaign, i.UtmTerm, i.UtmContent, i.Fbclid, i.Ttclid, i.LiFatId, i.Gclid, i.Msclkid }.OfType<string>();

    private static bool IsValidUtf16(string s)
    {
        for (var i = 0; i < s.Length; i++)
        {
            if (char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
                i++;
            else if (char.IsSurrogate(s[i]))
                return false;
        }
        return true;
    }
}
