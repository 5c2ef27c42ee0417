using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pulse.Collect.Enrichment;
using YamlDotNet.RepresentationModel;

namespace Pulse.Bench;

/// <summary>
/// The user-agent cache under a realistic mix: user agents of uap-core's test corpus
/// (tests/Pulse.Collect.Tests/Enrichment/UapCore), common browsers ranked first, drawn with Zipf
/// weights (rank r has weight 1/r) so that common ones repeat and the long tail comes once or not
/// at all. The same sequence goes through the CLOCK cache the enricher uses and, as the baseline,
/// the cache it replaced, which cleared itself when full, at capacities small against the mix's
/// distinct agents, as 20,000 is against a busy site's.
/// <para>
/// A parse costs milliseconds here, too long to run every miss of a million lookups within the
/// bench's budget, so the parse cost is measured on every agent of the sample (a first pass that
/// warms the rules, then a second), and the caches look their misses up in those results; what a
/// miss costs in a server is then misses × µs per parse, shown as the cores spent parsing at the
/// ingest bench's rate.
/// </para>
/// </summary>
internal static class UserAgentCacheLoad
{
    private const int IngestRate = 50_000; // events/s, about what bench/run.sh ingest acknowledges on this machine
    private static readonly string[] Common = ["Chrome", "Mobile Safari", "Chrome Mobile", "Safari", "Firefox", "Edge", "Samsung Internet", "Chrome Mobile iOS", "Chrome Mobile WebView", "Mobile Safari UI/WKWebView"];

    public static void Run(int lookups)
    {
        lookups = Math.Max(1, lookups);
        var parser = new UserAgentParser();
        var all = CorpusAgents();
        // An even sample of the corpus (AGENTS sets its size), so that the parse passes stay short.
        var size = Environment.GetEnvironmentVariable("AGENTS") is { Length: > 0 } n ? int.Parse(n, CultureInfo.InvariantCulture) : 3000;
        var agents = Enumerable.Range(0, Math.Min(size, all.Length)).Select(i => all[(int)((long)i * all.Length / Math.Min(size, all.Length))]).ToArray();

        var t0 = Stopwatch.GetTimestamp();
        var parsed = new Dictionary<string, UserAgentInfo>(StringComparer.Ordinal);
        foreach (var a in agents)
            parsed[a] = parser.Parse(a);
        var firstUs = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / agents.Length;
        t0 = Stopwatch.GetTimestamp();
        foreach (var a in agents)
            parser.Parse(a);
        var parseUs = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / agents.Length;
        t0 = Stopwatch.GetTimestamp();
        foreach (var a in agents)
            parser.Match(a);
        var matchUs = Stopwatch.GetElapsedTime(t0).TotalMicroseconds / agents.Length;

        var random = new Random(15);
        var ranked = agents.Select(a => (a, common: Array.IndexOf(Common, parsed[a].Browser) >= 0, r: random.Next()))
            .OrderByDescending(x => x.common).ThenBy(x => x.r).Select(x => x.a).ToArray();
        var sequence = ZipfSequence(ranked, lookups, new Random(42));
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            benchmark = "user-agent cache, realistic mix",
            corpusAgents = all.Length,
            sampledAgents = agents.Length,
            commonBrowserAgents = agents.Count(a => Array.IndexOf(Common, parsed[a].Browser) >= 0),
            lookups,
            distinctInMix = sequence.Distinct(StringComparer.Ordinal).Count(),
            usPerParseFirstPass = Math.Round(firstUs, 1),
            usPerParse = Math.Round(parseUs, 1),
            usPerParseUapRulesOnly = Math.Round(matchUs, 1),
        }));
        Func<string, UserAgentInfo> lookup = a => parsed[a];
        foreach (var capacity in new[] { 1_000, 300 })
        {
            Measure("clock-lru (now)", capacity, sequence, parseUs, new BoundedCache<string, UserAgentInfo>(capacity).GetOrAdd, lookup);
            Measure("clear-when-full (before)", capacity, sequence, parseUs, new ClearWhenFullCache<string, UserAgentInfo>(capacity).GetOrAdd, lookup);
        }
    }

    private static void Measure(string cache, int capacity, string[] sequence, double parseUs,
        Func<string, Func<string, UserAgentInfo>, UserAgentInfo> getOrAdd, Func<string, UserAgentInfo> parsed)
    {
        long misses = 0;
        Func<string, UserAgentInfo> make = ua =>
        {
            misses++;
            return parsed(ua);
        };
        var t0 = Stopwatch.GetTimestamp();
        foreach (var ua in sequence)
            getOrAdd(ua, make);
        var elapsed = Stopwatch.GetElapsedTime(t0);
        var missRate = (double)misses / sequence.Length;
        Console.WriteLine(JsonSerializer.Serialize(new
        {
            cache,
            capacity,
            hits = sequence.Length - misses,
            misses,
            hitRate = Math.Round(1 - missRate, 4),
            usPerParse = Math.Round(parseUs, 1),
            missesPerSecondAtIngestRate = Math.Round(missRate * IngestRate),
            parsingCoresAtIngestRate = Math.Round(missRate * IngestRate * parseUs / 1e6, 2),
            nsPerLookupWithoutParsing = Math.Round(elapsed.TotalNanoseconds / sequence.Length, 1),
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

    internal static string[] CorpusAgents()
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
