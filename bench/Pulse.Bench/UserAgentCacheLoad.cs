using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pulse.Collect.Enrichment;
using YamlDotNet.RepresentationModel;

namespace Pulse.Bench;

/// <summary>
/// The user-agent cache under a realistic mix: the distinct user agents of uap-core's test corpus
/// (tests/Pulse.Collect.Tests/Enrichment/UapCore), common browsers ranked first, drawn with Zipf
/// weights (rank r has weight 1/r) so that common ones repeat and the long tail comes once or not
/// at all. The same sequence goes through the CLOCK cache the enricher uses and, as the baseline,
/// the cache it replaced, which cleared itself when full; each at the production capacity and at
/// one small against the corpus, as 20,000 is against a busy site's distinct user agents.
/// </summary>
internal static class UserAgentCacheLoad
{
    private static readonly string[] Common = ["Chrome", "Mobile Safari", "Chrome Mobile", "Safari", "Firefox", "Edge", "Samsung Internet", "Chrome Mobile iOS", "Chrome Mobile WebView", "Mobile Safari UI/WKWebView"];

    public static void Run(int lookups)
    {
        var parser = new UserAgentParser();
        var agents = CorpusAgents();
        // One parse of every distinct agent: the cost of a miss, and the families for the ranking.
        var t0 = Stopwatch.GetTimestamp();
        var families = agents.Select(a => parser.Parse(a).Browser).ToArray();
        var parseUs = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / agents.Length;
        var random = new Random(15);
        var ranked = agents.Select((a, i) => (a, common: Array.IndexOf(Common, families[i]) >= 0, r: random.Next()))
            .OrderByDescending(x => x.common).ThenBy(x => x.r).Select(x => x.a).ToArray();
        var sequence = ZipfSequence(ranked, lookups, new Random(42));
        var distinctSeen = sequence.Distinct().Count();
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            benchmark = "user-agent cache, realistic mix",
            corpusAgents = agents.Length,
            commonBrowserAgents = ranked.Length - families.Count(f => Array.IndexOf(Common, f) < 0),
            lookups,
            distinctInMix = distinctSeen,
            usPerParseColdCorpus = Math.Round(parseUs, 1),
        }));
        foreach (var capacity in new[] { 20_000, 2_000 })
        {
            Measure("lru-clock (now)", capacity, sequence, parser, new BoundedCache<string, UserAgentInfo>(capacity).GetOrAdd);
            Measure("clear-when-full (before)", capacity, sequence, parser, new ClearWhenFullCache<string, UserAgentInfo>(capacity).GetOrAdd);
        }
    }

    private static void Measure(string cache, int capacity, string[] sequence, UserAgentParser parser, Func<string, Func<string, UserAgentInfo>, UserAgentInfo> getOrAdd)
    {
        long misses = 0, parseTicks = 0;
        Func<string, UserAgentInfo> make = ua =>
        {
            misses++;
            var start = Stopwatch.GetTimestamp();
            var info = parser.Parse(ua);
            parseTicks += Stopwatch.GetTimestamp() - start;
            return info;
        };
        var t0 = Stopwatch.GetTimestamp();
        foreach (var ua in sequence)
            getOrAdd(ua, make);
        var elapsed = Stopwatch.GetElapsedTime(t0);
        var hitTicks = Stopwatch.GetTimestamp() - t0 - parseTicks;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            cache,
            capacity,
            hits = sequence.Length - misses,
            misses,
            hitRate = Math.Round((double)(sequence.Length - misses) / sequence.Length, 4),
            missesPerSecond = Math.Round(misses / elapsed.TotalSeconds),
            usPerParse = misses == 0 ? 0 : Math.Round(parseTicks * 1e6 / Stopwatch.Frequency / misses, 1),
            nsPerLookupExcludingParse = Math.Round(hitTicks * 1e9 / Stopwatch.Frequency / sequence.Length, 1),
            seconds = Math.Round(elapsed.TotalSeconds, 2),
        }));
    }

    private static string[] ZipfSequence(string[] ranked, int count, Random random)
    {
        var cumulative = new double[ranked.Length];
        var sum = 0.0;
        for (var r = 0; r < ranked.Length; r++)
            cumulative[r] = sum += 1.0 / (r + 1);
        var sequence = new string[count];
        for (var i = 0; i < count; i++)
        {
            var index = Array.BinarySearch(cumulative, random.NextDouble() * sum);
            sequence[i] = ranked[index < 0 ? ~index : index];
        }
        return sequence;
    }

    private static string[] CorpusAgents()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pulse.slnx")))
            dir = dir.Parent;
        var corpus = Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("Pulse.slnx not found"), "tests", "Pulse.Collect.Tests", "Enrichment", "UapCore");
        var agents = new HashSet<string>(StringComparer.Ordinal);
        foreach (var file in new[] { "test_ua.yaml", "test_os.yaml", "test_device.yaml" })
        {
            var yaml = new YamlStream();
            using (var reader = File.OpenText(Path.Combine(corpus, file)))
                yaml.Load(reader);
            var cases = (YamlSequenceNode)((YamlMappingNode)yaml.Documents[0].RootNode).Children[new YamlScalarNode("test_cases")];
            foreach (var c in cases.Children.Cast<YamlMappingNode>())
                agents.Add(((YamlScalarNode)c.Children[new YamlScalarNode("user_agent_string")]).Value!);
        }
        return agents.Order(StringComparer.Ordinal).ToArray();
    }

    /// <summary>The cache the enricher used before: it started over when full.</summary>
    private sealed class ClearWhenFullCache<TKey, TValue>(int capacity) where TKey : notnull
    {
        private readonly System.Collections.Concurrent.ConcurrentDictionary<TKey, TValue> _map = new();

        public TValue GetOrAdd(TKey key, Func<TKey, TValue> make)
        {
            if (_map.TryGetValue(key, out var value))
                return value;
            value = make(key);
            if (_map.Count >= capacity)
                _map.Clear();
            _map.TryAdd(key, value);
            return value;
        }
    }
}
