using System.Globalization;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Running;
using Pulse.Bench;

// pulse bench: "micro" runs BenchmarkDotNet, "http" the HTTP load driver; default both.
var mode = args.FirstOrDefault() ?? "all";
var seconds = args.Length > 1 && int.TryParse(args[1], NumberStyles.None, CultureInfo.InvariantCulture, out var s) ? s : 10;
if (mode is not ("all" or "micro" or "http"))
{
    Console.Error.WriteLine("usage: Pulse.Bench [all|micro|http] [seconds]");
    return 2;
}
if (mode is "all" or "micro")
{
    var config = DefaultConfig.Instance.AddJob(Job.ShortRun).WithOptions(ConfigOptions.DisableOptimizationsValidator);
    BenchmarkRunner.Run<ApiKeyAuthBenchmarks>(config);
}
if (mode is "all" or "http")
{
    foreach (var connections in new[] { 16, 64 })
        await HttpLoad.RunAsync(connections, TimeSpan.FromSeconds(seconds));
}
return 0;
