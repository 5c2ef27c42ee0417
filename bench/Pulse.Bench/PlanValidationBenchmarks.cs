using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Pulse.Collect;
using Pulse.Collect.Enrichment;
using Pulse.Collect.Ingest;
using Pulse.Collect.Plans;
using Pulse.Collect.Sources;

namespace Pulse.Bench;

/// <summary>What a tracking plan adds to building one track event: none (baseline), a passing event, a breaking one.</summary>
[MemoryDiagnoser]
public class PlanValidationBenchmarks
{
    private const string Plan = """
        {"track":{"Order Completed":{"schema":{"properties":{
          "revenue":{"type":"number"},"currency":{"type":"string","pattern":"^[A-Z]{3}$"},"orderId":{"type":"string"},
          "products":{"type":"array","items":{"type":"object","properties":{"sku":{"type":"string"},"price":{"type":"number"}}}}}},
          "required":["orderId","revenue"]}}}
        """;

    private MessageBuilder _builder = null!;
    private IngestSource _plain = null!;
    private IngestSource _planned = null!;
    private JsonDocument _good = null!;
    private JsonDocument _bad = null!;
    private RequestFacts _facts;

    [GlobalSetup]
    public void Setup()
    {
        _builder = new MessageBuilder(new Enricher(new UserAgentParser(), new ReferrerClassifier(), new GeoLookup(null)));
        _plain = new IngestSource(Guid.NewGuid(), Guid.NewGuid(), "bench", true, [], 32 * 1024, 500 * 1024, 0, IpMode.Truncate, new byte[32], ConsentDefault.Allow);
        var version = PlanCompiler.Compile("1-0-0", JsonSerializer.Deserialize(Plan, CollectJsonContext.Default.PlanDefinitions)!);
        _planned = _plain with { Plan = new ActivePlan(PlanMode.Allow, false, version) };
        _good = JsonDocument.Parse("""
            {"type":"track","userId":"u-1","event":"Order Completed","properties":{"revenue":99.5,"currency":"PLN","orderId":"o-1",
             "products":[{"sku":"a","price":10},{"sku":"b","price":89.5}]},"context":{"ip":"83.12.34.56"}}
            """);
        _bad = JsonDocument.Parse("""
            {"type":"track","userId":"u-1","event":"Order Completed","properties":{"revenue":"99.5","currency":"pln","coupon":"X",
             "products":[{"sku":"a","price":10},{"sku":"b","price":89.5}]},"context":{"ip":"83.12.34.56"}}
            """);
        _facts = new RequestFacts(null, TimeProvider.System.GetUtcNow(), null, null, null, null);
    }

    [Benchmark(Baseline = true, Description = "build, no plan")]
    public int NoPlan() => Build(_plain, _good);

    [Benchmark(Description = "build + plan, event passes")]
    public int Passing() => Build(_planned, _good);

    [Benchmark(Description = "build + plan, 4 violations")]
    public int Breaking() => Build(_planned, _bad);

    private int Build(IngestSource source, JsonDocument doc)
    {
        var record = _builder.Build(doc.RootElement, _facts, source, out _);
        if (record is not null && source.Plan is { } plan)
            PlanValidator.Apply(plan, record, doc.RootElement);
        return record?.Raw.Length ?? 0;
    }
}
