using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Pulse.Bench;

// pulse bench: "micro" runs BenchmarkDotNet, "http" the HTTP load driver; default both.
// --templated (ingest, destinations): the old load of 64 repeated bodies instead of the realistic one.
var templated = args.Contains("--templated");
// --postgres (ingest): the same run in cluster mode, one node on a private PostgreSQL and Redis (tests/services).
var postgres = args.Contains("--postgres");
args = args.Where(a => a is not ("--templated" or "--postgres")).ToArray();
var mode = args.FirstOrDefault() ?? "all";
var seconds = args.Length > 1 && int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 10;
if (mode == "baseline-server")
{
    await IngestLoad.ServeBaselineAsync(int.Parse(args[1], CultureInfo.InvariantCulture));
    return 0;
}
// Where the ingest path's time goes, in this process:
//   stages [batches]   CPU per event of parsing, building and packing (batches of 100 events, in hundreds)
//   duck [thousands]   CPU per event of loading packed events into DuckDB, straight and through the old
//                      inbox (MODES=direct,noraw,inbox+compact,csv picks; DUCKSET="SET ..." tunes DuckDB)
//   pageurl            page-URL parsing and the whole enrichment step
//   agents [lookups]   the user-agent cache on a realistic mix (lookups in 100,000s), beside the old clear-when-full cache
if (mode == "stages")
{
    Stages.Run(seconds * 100);
    return 0;
}
if (mode == "duck")
{
    StagesDuck.Run(seconds * 1000);
    return 0;
}
if (mode == "profiles")
{
    // profiles [events] [batch]: the profile builder's rate on a realistic stream (PULSE_BENCH_POSTGRES for cluster mode)
    await Pulse.Bench.ProfileLoad.RunAsync(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 200_000,
        args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : Pulse.Collect.Profiles.ProfileBuilder.BatchSize);
    return 0;
}
if (mode == "attribution")
{
    // attribution [conversions in thousands]: all seven models over N conversions and about 10 touchpoints each, beside a last-click SQL query.
    AttributionLoad.Run((args.Length > 1 ? seconds : 1000) * 1000);
    return 0;
}
if (mode == "redirect")
{
    // redirect [seconds] [connections]: /l/{slug} with every click recorded, beside nginx's return 302, both driven by wrk.
    await RedirectLoad.RunAsync(seconds, args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 64);
    return 0;
}
if (mode == "agents")
{
    // agents [lookups in 100,000s]: the user-agent cache's hits, misses and parse cost on a realistic mix, beside the old cache.
    UserAgentCacheLoad.Run(seconds * 100_000);
    return 0;
}
if (mode == "pageurl")
{
    StagesPageUrl.Run();
    return 0;
}
if (mode == "drive")
{
    // drive SECONDS CONNECTIONS WRITEKEY URL [URL…]: 100-event batches at running servers (for profiling them).
    var writeKey = args[3];
    var target = string.Join(' ', args.Skip(4).Select(u => u.TrimEnd('/') + "/v1/batch"));
    using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = int.Parse(args[2], CultureInfo.InvariantCulture) };
    using var client = new HttpClient(handler);
    client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.ASCII.GetBytes(writeKey + ":")));
    var sw = System.Diagnostics.Stopwatch.StartNew();
    var run = await IngestLoad.WorkAsync(client, target, IngestLoad.BuildBatches(writeKey, 100), int.Parse(args[2], CultureInfo.InvariantCulture), TimeSpan.FromSeconds(seconds));
    var sorted = run.Latencies.Order().ToArray();
    Console.WriteLine($"{sorted.Length * 100 / sw.Elapsed.TotalSeconds:F0} events/s, p50 {IngestLoad.Percentile(sorted, 0.5)} ms, p99 {IngestLoad.Percentile(sorted, 0.99)} ms, errors {run.Errors}");
    return 0;
}
if (mode == "cluster")
{
    // Durable ingest on 1, 2 and 3 cluster nodes against one PostgreSQL, the embedded mode, and a plain COPY of the same rows.
    var clusterConnections = args.Length > 2 && int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var cc) ? cc : 32;
    await ClusterLoad.RunAsync(TimeSpan.FromSeconds(args.Length > 1 ? seconds : 30), clusterConnections);
    return 0;
}
if (mode == "destinations")
{
    // Forwarding from the log to a local stub destination: rate, drain and delay at half the rate, beside the ingest rate.
    var destinationConnections = args.Length > 2 && int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var dc) ? dc : 32;
    await DestinationLoad.RunAsync(TimeSpan.FromSeconds(args.Length > 1 ? seconds : 20), destinationConnections, templated);
    return 0;
}
if (mode is not ("all" or "micro" or "http" or "ingest" or "log"))
{
    Console.Error.WriteLine("usage: Pulse.Bench [all|micro|http|ingest|cluster|destinations|attribution|log|stages|duck|pageurl|agents] [seconds|count] [connections]");
    return 2;
}
if (mode == "log")
{
    foreach (var perCommit in new[] { 1000, 5000, 20000 })
        await LogAppend.RunAsync(seconds * 10_000, perCommit);
    return 0;
}
if (mode == "ingest")
{
    var connections = args.Length > 2 && int.TryParse(args[2], NumberStyles.None, CultureInfo.InvariantCulture, out var c) ? c : 32;
    await IngestLoad.RunAsync(TimeSpan.FromSeconds(args.Length > 1 ? seconds : 60), connections, templated, postgres);
    return 0;
}
if (mode is "all" or "micro")
{
    var config = DefaultConfig.Instance.AddJob(Job.ShortRun).WithOptions(ConfigOptions.DisableOptimizationsValidator);
    BenchmarkRunner.Run<ApiKeyAuthBenchmarks>(config);
    BenchmarkRunner.Run<PlanValidationBenchmarks>(config);
}
if (mode is "all" or "http")
{
    foreach (var connections in new[] { 16, 64 })
        await HttpLoad.RunAsync(connections, TimeSpan.FromSeconds(seconds));
}
return 0;
