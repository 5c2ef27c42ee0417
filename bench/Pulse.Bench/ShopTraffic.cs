using System.Buffers;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Pulse.Bench;

/// <summary>
/// Request bodies that look like a real shop's traffic, made fresh for every request so that no
/// two repeat: people drawn from a population of 1,000,000 (<c>BENCH_POPULATION</c>; half the draws uniform, the long tail
/// of one-time visitors; half power-law, the regulars), each person with a device of their own
/// (a user agent of uap-core's test corpus, about 18,000 distinct strings ranked common browsers
/// first and drawn with Zipf weights), an address, a locale and, for a fifth of them, a login;
/// pages and products from a catalogue of 5,000 items in 40 categories; the event mix of an
/// e-commerce funnel (page views, product views, cart, checkout, orders with line items, searches,
/// identifies with traits, consent changes and a few opt-outs), campaign parameters and click ids
/// on a third of the landings.
/// <para>
/// What repeats: the shape of each event type (its property names), the 40 category names, the
/// 12 campaign sources and the search terms; everything per person or per event (ids, people,
/// devices, addresses, products, prices, times) varies.
/// </para>
/// <para>
/// Every message id is "{request:x16}-{index:D4}", as the templated bodies have them, so the
/// destinations bench can tell which acknowledged request an arrival belongs to.
/// </para>
/// </summary>
internal sealed class ShopTraffic
{
    /// <summary>People drawn from: 1,000,000, or <c>BENCH_POPULATION</c> (1,000 to 50,000,000) for a store that holds more.</summary>
    public static readonly int Population = PopulationFromEnvironment();
    private const int Products = 5_000;
    private static readonly string[] Categories = Enumerable.Range(0, 40).Select(i => "category-" + i.ToString(CultureInfo.InvariantCulture)).ToArray();
    private static readonly string[] Sources = ["instagram", "tiktok", "facebook", "google", "youtube", "newsletter", "creator_anna", "creator_kuba", "linkedin", "pinterest", "x", "partner"];
    private static readonly string[] Terms = ["sneakers", "buty do biegania", "kurtka zimowa", "plecak", "t-shirt", "bluza", "czapka", "skarpetki", "running shoes", "rain jacket", "gift card", "sale"];
    private static readonly string[] Referrers = ["https://l.instagram.com/", "https://www.tiktok.com/", "https://www.google.com/", "https://www.google.pl/", "https://m.facebook.com/", "https://www.youtube.com/", "https://mail.google.com/", "https://www.bing.com/", "https://duckduckgo.com/", "https://t.co/", "https://www.pinterest.com/", "https://www.linkedin.com/"];
    private static readonly string[] Locales = ["pl-PL", "pl-PL", "pl-PL", "en-GB", "en-US", "de-DE", "uk-UA", "cs-CZ"];
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly string _writeKey;
    private readonly string[] _agents;
    private readonly double[] _agentWeights;
    private readonly bool[] _seen = new bool[Population];
    private readonly bool[] _agentSeen;

    public ShopTraffic(string writeKey, string[] rankedAgents)
    {
        _writeKey = writeKey;
        _agents = rankedAgents;
        _agentSeen = new bool[rankedAgents.Length];
        _agentWeights = new double[rankedAgents.Length];
        var sum = 0.0;
        for (var r = 0; r < rankedAgents.Length; r++)
            _agentWeights[r] = sum += 1.0 / (r + 1);
    }

    /// <summary>
    /// uap-core's test agents, those that look like today's common browsers first (Mozilla/5.0 with
    /// Chrome, Safari, Firefox or Edge and no robot word), each tier in a fixed shuffled order.
    /// </summary>
    public static string[] RankedCorpusAgents()
    {
        var random = new Random(15);
        return UserAgentCacheLoad.CorpusAgents()
            .Select(a => (a, common: a.StartsWith("Mozilla/5.0 (", StringComparison.Ordinal)
                && (a.Contains("Chrome/", StringComparison.Ordinal) || a.Contains("Safari/", StringComparison.Ordinal) || a.Contains("Firefox/", StringComparison.Ordinal) || a.Contains("Edg/", StringComparison.Ordinal))
                && !a.Contains("bot", StringComparison.OrdinalIgnoreCase) && !a.Contains("spider", StringComparison.OrdinalIgnoreCase) && !a.Contains("crawl", StringComparison.OrdinalIgnoreCase),
                r: random.Next()))
            .OrderByDescending(x => x.common).ThenBy(x => x.r).Select(x => x.a).ToArray();
    }

    private static int PopulationFromEnvironment()
    {
        if (Environment.GetEnvironmentVariable("BENCH_POPULATION") is not { Length: > 0 } text)
            return 1_000_000;
        if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n is < 1_000 or > 50_000_000)
            throw new ArgumentException($"BENCH_POPULATION must be a whole number from 1000 to 50000000, not '{text}'.");
        return n;
    }

    /// <summary>The distinct people and user agents the bodies made so far named (counted without locks: a close count).</summary>
    public (int People, int Agents) Distinct() => (_seen.Count(s => s), _agentSeen.Count(s => s));

    /// <summary>Starts the distinct counts over.</summary>
    public void ResetDistinct()
    {
        Array.Clear(_seen);
        Array.Clear(_agentSeen);
    }

    /// <summary>A <c>/v1/batch</c> body of <paramref name="size"/> messages for request number <paramref name="request"/>.</summary>
    public byte[] Batch(long request, int size)
    {
        var rng = new SplitMix(request);
        var buffer = new ArrayBufferWriter<byte>(size * 900);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
        {
            w.WriteStartObject();
            w.WriteString("writeKey", _writeKey);
            w.WriteString("sentAt", TimeProvider.System.GetUtcNow());
            w.WriteStartArray("batch");
            for (var i = 0; i < size; i++)
                Message(w, ref rng, request, i, single: false);
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>A <c>/v1/track</c> body (one track message, the write key in it) for request number <paramref name="request"/>.</summary>
    public byte[] Single(long request)
    {
        var rng = new SplitMix(request);
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer, WriterOptions))
            Message(w, ref rng, request, 0, single: true);
        return buffer.WrittenSpan.ToArray();
    }

    private void Message(Utf8JsonWriter w, ref SplitMix rng, long request, int index, bool single)
    {
        // Half the draws uniform over the population (one-time visitors), half power-law (regulars).
        var person = rng.NextDouble() < 0.5 ? (int)(rng.NextDouble() * Population) : (int)(Math.Pow(rng.NextDouble(), 3) * Population);
        _seen[person] = true;
        var traits = new SplitMix(person * 7919L + 17);
        var agentRank = Zipf(ref traits);
        _agentSeen[agentRank] = true;
        // A person's address, locale and phone come from their own generator, the same at every event.
        var ip = $"{83 + traits.Next(100)}.{traits.Next(256)}.{traits.Next(256)}.{traits.Next(254) + 1}";
        var locale = Locales[traits.Next(Locales.Length)];
        var phone = traits.Next(3) == 0 ? "+48 5" + (traits.Next(90_000_000) + 10_000_000).ToString(CultureInfo.InvariantCulture) : null;
        var member = traits.Next(4) == 0;
        var loggedIn = person % 5 == 0;
        var p = person.ToString(CultureInfo.InvariantCulture);
        var kind = single ? 40 + rng.Next(60) : rng.Next(100);
        var product = (int)(Math.Pow(rng.NextDouble(), 2) * Products);
        var category = Categories[product % Categories.Length];
        var sku = "sku-" + product.ToString("D5", CultureInfo.InvariantCulture);
        var campaign = rng.Next(3) == 0;
        var url = kind < 25
            ? (rng.Next(4)) switch
            {
                0 => "https://shop.example/",
                1 => "https://shop.example/c/" + category,
                2 => "https://shop.example/search?q=" + Uri.EscapeDataString(Terms[rng.Next(Terms.Length)]),
                _ => "https://shop.example/p/" + sku,
            }
            : "https://shop.example/p/" + sku;
        if (campaign)
        {
            var source = Sources[rng.Next(Sources.Length)];
            url += (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "utm_source=" + source + "&utm_medium=" + (source.StartsWith("creator_", StringComparison.Ordinal) ? "influencer" : "social")
                + "&utm_campaign=campaign-" + rng.Next(30).ToString(CultureInfo.InvariantCulture);
            url += rng.Next(3) switch
            {
                0 => "&fbclid=IwAR" + rng.NextHex(24),
                1 => "&ttclid=" + rng.NextHex(32),
                _ => "",
            };
        }

        w.WriteStartObject();
        if (single)
            w.WriteString("writeKey", _writeKey);
        string type;
        if (kind < 25)
            type = "page";
        else if (kind < 32 && loggedIn)
            type = "identify";
        else
            type = "track";
        w.WriteString("type", type);
        w.WriteString("messageId", request.ToString("x16", CultureInfo.InvariantCulture) + "-" + index.ToString("D4", CultureInfo.InvariantCulture));
        w.WriteString("anonymousId", "anon-" + p);
        if (loggedIn && (type == "identify" || rng.Next(2) == 0))
            w.WriteString("userId", "user-" + p);
        w.WriteString("timestamp", TimeProvider.System.GetUtcNow().AddMilliseconds(-rng.Next(60_000)));
        var optOut = false;
        switch (type)
        {
            case "page":
                w.WriteString("name", url.Contains("/p/", StringComparison.Ordinal) ? "Product" : url.Contains("/c/", StringComparison.Ordinal) ? "Category" : url.Contains("search", StringComparison.Ordinal) ? "Search" : "Home");
                w.WriteStartObject("properties");
                w.WriteString("url", url);
                w.WriteString("title", "Shop — " + category);
                w.WriteEndObject();
                break;
            case "identify":
                optOut = rng.Next(200) == 0;
                w.WriteStartObject("traits");
                w.WriteString("email", "user" + p + "@example.com");
                if (phone is not null)
                    w.WriteString("phone", phone);
                w.WriteString("firstName", "Person" + (person % 997).ToString(CultureInfo.InvariantCulture));
                w.WriteString("plan", member ? "member" : "guest");
                w.WriteEndObject();
                break;
            default:
                Track(w, ref rng, kind, sku, category, person);
                break;
        }
        w.WriteStartObject("context");
        w.WriteString("ip", ip);
        w.WriteString("userAgent", _agents[agentRank]);
        w.WriteString("locale", locale);
        w.WriteStartObject("page");
        w.WriteString("url", url);
        var path = url.AsSpan("https://shop.example".Length);
        var q = path.IndexOf('?');
        w.WriteString("path", q < 0 ? path : path[..q]);
        w.WriteString("referrer", campaign || rng.Next(3) == 0 ? Referrers[rng.Next(Referrers.Length)] : "");
        w.WriteString("title", "Shop — " + category);
        w.WriteEndObject();
        w.WriteStartObject("library");
        w.WriteString("name", "analytics.js");
        w.WriteString("version", "5.2.0");
        w.WriteEndObject();
        if (kind == 99 || optOut)
        {
            w.WriteStartObject("consent");
            if (optOut)
                w.WriteBoolean("optOut", true);
            else
            {
                w.WriteStartObject("categoryPreferences");
                w.WriteBoolean("advertising", rng.Next(5) != 0);
                w.WriteBoolean("analytics", true);
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void Track(Utf8JsonWriter w, ref SplitMix rng, int kind, string sku, string category, int person)
    {
        var price = Math.Round(19.99 + rng.Next(880) + rng.Next(100) / 100.0, 2);
        var name = kind switch
        {
            99 => "Consent Preference Updated",
            < 55 => "Product Viewed",
            < 66 => "Product Added",
            < 72 => "Cart Viewed",
            < 78 => "Checkout Started",
            < 82 => "Order Completed",
            < 90 => "Products Searched",
            < 95 => "Product List Viewed",
            < 97 => "Signed Up",
            _ => "Newsletter Subscribed",
        };
        w.WriteString("event", name);
        w.WriteStartObject("properties");
        switch (name)
        {
            case "Product Viewed" or "Product Added":
                w.WriteString("product_id", sku);
                w.WriteString("category", category);
                w.WriteNumber("price", price);
                w.WriteString("currency", "PLN");
                if (name == "Product Added")
                    w.WriteNumber("quantity", 1 + rng.Next(3));
                break;
            case "Order Completed":
                w.WriteString("order_id", "o-" + person.ToString(CultureInfo.InvariantCulture) + "-" + rng.NextHex(8));
                var items = 1 + rng.Next(3);
                var total = 0.0;
                w.WriteStartArray("products");
                for (var i = 0; i < items; i++)
                {
                    var p = rng.Next(Products);
                    var each = Math.Round(9.99 + rng.Next(500), 2);
                    total += each;
                    w.WriteStartObject();
                    w.WriteString("product_id", "sku-" + p.ToString("D5", CultureInfo.InvariantCulture));
                    w.WriteString("category", Categories[p % Categories.Length]);
                    w.WriteNumber("price", each);
                    w.WriteNumber("quantity", 1);
                    w.WriteEndObject();
                }
                w.WriteEndArray();
                w.WriteNumber("revenue", Math.Round(total, 2));
                w.WriteString("currency", "PLN");
                if (rng.Next(4) == 0)
                    w.WriteString("coupon", "CREATOR" + rng.Next(50).ToString(CultureInfo.InvariantCulture));
                break;
            case "Products Searched":
                w.WriteString("query", Terms[rng.Next(Terms.Length)]);
                break;
            case "Product List Viewed" or "Cart Viewed" or "Checkout Started":
                w.WriteString("category", category);
                w.WriteNumber("value", price);
                break;
            default:
                w.WriteString("method", rng.Next(2) == 0 ? "email" : "google");
                break;
        }
        w.WriteEndObject();
    }

    private int Zipf(ref SplitMix rng)
    {
        var index = Array.BinarySearch(_agentWeights, rng.NextDouble() * _agentWeights[^1]);
        return Math.Min(index < 0 ? ~index : index, _agents.Length - 1);
    }

    /// <summary>A small, fast generator seeded by a number (SplitMix64), so a body is a function of its request number.</summary>
    private struct SplitMix(long seed)
    {
        // The seed is scrambled first: consecutive seeds would otherwise start consecutive steps of
        // one sequence, and request n + 1 would repeat request n shifted by one message.
        private ulong _state = Mix((ulong)seed ^ 0x632BE59BD9B4E019UL);

        public ulong NextULong() => Mix(_state += 0x9E3779B97F4A7C15UL);

        private static ulong Mix(ulong z)
        {
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return z ^ (z >> 31);
        }

        public int Next(int max) => (int)(NextULong() % (ulong)max);

        public double NextDouble() => (NextULong() >> 11) * (1.0 / (1UL << 53));

        public string NextHex(int length)
        {
            Span<char> chars = stackalloc char[length];
            for (var i = 0; i < length; i++)
                chars[i] = "0123456789abcdef"[Next(16)];
            return new string(chars);
        }
    }
}
