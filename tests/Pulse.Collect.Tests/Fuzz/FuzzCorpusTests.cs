using System.Text;
using Pulse.Fuzz;

namespace Pulse.Collect.Tests.Fuzz;

/// <summary>
/// The fuzz targets of tests/Pulse.Fuzz on their committed corpus and on a few thousand seeded
/// mutations of it: every input must end in an expected outcome (a 4xx reason or a stored record
/// that keeps the log's invariants), never an exception.
/// </summary>
public sealed class FuzzCorpusTests
{
    // PULSE_FUZZ_MUTATIONS=200000 for a longer local run; the committed default keeps the suite quick.
    private static readonly int MutationsPerTarget = int.TryParse(Environment.GetEnvironmentVariable("PULSE_FUZZ_MUTATIONS"), out var n) ? n : 3000;

    private static readonly byte[][] Tokens =
    [
        "{"u8.ToArray(), "}"u8.ToArray(), "["u8.ToArray(), "]"u8.ToArray(), "\""u8.ToArray(), ","u8.ToArray(), ":"u8.ToArray(),
        "null"u8.ToArray(), "1e400"u8.ToArray(), "-0"u8.ToArray(), "\\u0000"u8.ToArray(), "\\ud800"u8.ToArray(), "\\"u8.ToArray(),
        "0001-01-01T00:00:00Z"u8.ToArray(), "9999-12-31T23:59:59Z"u8.ToArray(), "\"type\":\"alias\""u8.ToArray(),
        "\"sentAt\":\"0001-01-01T00:00:00+14:00\""u8.ToArray(), "\"batch\":["u8.ToArray(), "%"u8.ToArray(), "&p."u8.ToArray(),
        "data="u8.ToArray(), "=="u8.ToArray(), [0xFF], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0x1F], [0x1F, 0x8B, 0x08, 0x00],
    ];

    public static TheoryData<string> Targets() => new(FuzzTargets.All.Keys);

    [Theory]
    [MemberData(nameof(Targets))]
    public void CorpusInputs_EndInExpectedOutcomes(string target)
    {
        var corpus = Corpus(target);
        Assert.True(corpus.Count >= 5, $"the corpus of {target} has {corpus.Count} inputs");
        foreach (var (name, input) in corpus)
            Run(target, name, input);
    }

    [Theory]
    [MemberData(nameof(Targets))]
    public void SeededMutations_EndInExpectedOutcomes(string target)
    {
        var corpus = Corpus(target);
        var random = new Random(20261127 + target.Length + (int.TryParse(Environment.GetEnvironmentVariable("PULSE_FUZZ_SEED"), out var s) ? s : 0));
        for (var i = 0; i < MutationsPerTarget; i++)
        {
            var (name, seed) = corpus[random.Next(corpus.Count)];
            var input = Mutate(seed, corpus[random.Next(corpus.Count)].Input, random);
            Run(target, $"{name} mutation {i}", input);
        }
    }

    private static void Run(string target, string name, byte[] input)
    {
        try
        {
            FuzzTargets.All[target](input);
        }
        catch (Exception e)
        {
            var shown = Encoding.UTF8.GetString(input.AsSpan(0, Math.Min(input.Length, 400)));
            Assert.Fail($"{target} failed on {name} ({input.Length} bytes): {e}\ninput: {shown}\nbase64: {Convert.ToBase64String(input)}");
        }
    }

    private static List<(string Name, byte[] Input)> Corpus(string target)
    {
        var dir = Path.Combine(AppContext.BaseDirectory, "fuzz-corpus", target);
        return Directory.EnumerateFiles(dir).Order(StringComparer.Ordinal)
            .Select(f => (Path.GetFileName(f), File.ReadAllBytes(f))).ToList();
    }

    /// <summary>One to four edits: flip, set, insert or delete bytes, insert a token, cut, repeat a slice, splice another input.</summary>
    private static byte[] Mutate(byte[] seed, byte[] other, Random random)
    {
        var data = new List<byte>(seed);
        var edits = 1 + random.Next(4);
        for (var e = 0; e < edits; e++)
        {
            var at = data.Count == 0 ? 0 : random.Next(data.Count);
            switch (random.Next(8))
            {
                case 0 when data.Count > 0:
                    data[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when data.Count > 0:
                    data[at] = (byte)random.Next(256);
                    break;
                case 2:
                    data.Insert(at, (byte)random.Next(256));
                    break;
                case 3 when data.Count > 0:
                    data.RemoveRange(at, Math.Min(data.Count - at, 1 + random.Next(16)));
                    break;
                case 4:
                    data.InsertRange(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 5:
                    data.RemoveRange(at, data.Count - at);
                    break;
                case 6 when data.Count > 0:
                    var length = Math.Min(data.Count - at, 1 + random.Next(64));
                    var slice = data.GetRange(at, length);
                    for (var r = random.Next(1, 20); r > 0; r--)
                        data.InsertRange(at, slice);
                    break;
                default:
                    var from = other.Length == 0 ? 0 : random.Next(other.Length);
                    data.InsertRange(at, other.Skip(from).Take(1 + random.Next(128)));
                    break;
            }
        }
        return data.ToArray();
    }
}
