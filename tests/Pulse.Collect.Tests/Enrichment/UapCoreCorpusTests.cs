using Pulse.Collect.Enrichment;
using Xunit.Abstractions;
using YamlDotNet.RepresentationModel;

namespace Pulse.Collect.Tests.Enrichment;

/// <summary>
/// uap-core's own test corpus (tests/test_ua.yaml, test_os.yaml, test_device.yaml of uap-core 0.18.0,
/// the release whose regexes.yaml the parser ships) run against the parser, every field it checks.
/// </summary>
public sealed class UapCoreCorpusTests(ITestOutputHelper output)
{
    private static readonly UserAgentParser Parser = new();

    public static string CorpusDir => Path.Combine(AppContext.BaseDirectory, "Enrichment", "UapCore");

    [Theory]
    [InlineData("test_ua.yaml")]
    [InlineData("test_os.yaml")]
    [InlineData("test_device.yaml")]
    public void Parser_AgreesWithUapCoreCorpus_OnEveryCaseButTheListedExceptions(string file)
    {
        var exceptions = Exceptions(file);
        var cases = Cases(file);
        var agreeing = 0;
        var unexpected = new List<string>();
        var stillListed = new HashSet<string>(exceptions, StringComparer.Ordinal);
        foreach (var c in cases)
        {
            var m = Parser.Match(c["user_agent_string"]!);
            string?[] got = file switch
            {
                "test_ua.yaml" => [m.Family, m.Major, m.Minor, m.Patch],
                "test_os.yaml" => [m.OsFamily, m.OsMajor, m.OsMinor, m.OsPatch, m.OsPatchMinor],
                _ => [m.DeviceFamily, m.Brand, m.Model],
            };
            string[] names = file switch
            {
                "test_ua.yaml" => ["family", "major", "minor", "patch"],
                "test_os.yaml" => ["family", "major", "minor", "patch", "patch_minor"],
                _ => ["family", "brand", "model"],
            };
            var diff = new List<string>();
            for (var i = 0; i < names.Length; i++)
            {
                var want = c.GetValueOrDefault(names[i]);
                if (!string.Equals(want, got[i], StringComparison.Ordinal))
                    diff.Add($"{names[i]}: want {want ?? "null"}, got {got[i] ?? "null"}");
            }
            var ua = c["user_agent_string"]!;
            if (diff.Count == 0)
                agreeing++;
            else if (!stillListed.Remove(ua))
                unexpected.Add($"{ua}\n    {string.Join("; ", diff)}");
        }
        output.WriteLine($"{file}: {agreeing} of {cases.Count} cases agree ({100.0 * agreeing / cases.Count:F2} %), {exceptions.Count} listed exceptions");
        Assert.True(cases.Count > 100, $"{file} holds only {cases.Count} cases");
        Assert.True(unexpected.Count == 0, $"{unexpected.Count} cases of {file} disagree and are not listed in Enrichment/UapCore/exceptions.txt:\n" + string.Join("\n", unexpected.Take(40)));
        Assert.True(stillListed.Count == 0, $"{stillListed.Count} listed exceptions of {file} now agree or are no longer in the corpus; take them off the list:\n" + string.Join("\n", stillListed));
        Assert.Equal(cases.Count - exceptions.Count, agreeing);
    }

    /// <summary>The corpus's cases, each field's value as a string (null where the corpus leaves it empty).</summary>
    internal static List<Dictionary<string, string?>> Cases(string file)
    {
        var yaml = new YamlStream();
        using (var reader = File.OpenText(Path.Combine(CorpusDir, file)))
            yaml.Load(reader);
        var root = (YamlMappingNode)yaml.Documents[0].RootNode;
        var list = new List<Dictionary<string, string?>>();
        foreach (var node in ((YamlSequenceNode)root.Children[new YamlScalarNode("test_cases")]).Children.Cast<YamlMappingNode>())
        {
            var c = new Dictionary<string, string?>(StringComparer.Ordinal);
            foreach (var (key, value) in node.Children)
            {
                var scalar = (YamlScalarNode)value;
                // An empty plain scalar is YAML's null; an empty quoted one ('') is an empty string.
                c[((YamlScalarNode)key).Value!] = scalar.Style == YamlDotNet.Core.ScalarStyle.Plain && string.IsNullOrEmpty(scalar.Value) ? null : scalar.Value;
            }
            list.Add(c);
        }
        return list;
    }

    /// <summary>The user agents of one corpus file where the parser differs on purpose (exceptions.txt: "file<TAB>user agent<TAB>reason").</summary>
    private static List<string> Exceptions(string file)
    {
        var path = Path.Combine(CorpusDir, "exceptions.txt");
        var list = new List<string>();
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#')
                continue;
            var parts = line.Split('\t');
            Assert.True(parts.Length == 3 && parts[2].Length > 0, $"exceptions.txt: every line is file, user agent and reason, tab-separated: {line}");
            if (parts[0] == file)
                list.Add(parts[1]);
        }
        return list;
    }
}
