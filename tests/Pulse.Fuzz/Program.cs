using Pulse.Fuzz;
using SharpFuzz;

// Pulse.Fuzz <target> [--libfuzzer]   run under afl-fuzz (default) or libfuzzer-dotnet
// Pulse.Fuzz <target> --replay PATH…  run files or folders once, e.g. a crash or the corpus
// Drivers that pass no arguments: PULSE_FUZZ_TARGET=<target> and PULSE_FUZZ_ENGINE=libfuzzer|afl.
var name = args.Length > 0 ? args[0] : Environment.GetEnvironmentVariable("PULSE_FUZZ_TARGET");
var mode = args.Length > 1 ? args[1] : Environment.GetEnvironmentVariable("PULSE_FUZZ_ENGINE") == "libfuzzer" ? "--libfuzzer" : null;
if (name is null || !FuzzTargets.All.TryGetValue(name, out var target))
{
    Console.Error.WriteLine($"usage: Pulse.Fuzz <{string.Join('|', FuzzTargets.All.Keys)}> [--libfuzzer | --replay PATH…]");
    return 2;
}
if (mode == "--libfuzzer")
{
    Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
    return 0;
}
if (mode == "--replay")
{
    var files = args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories) : [p]);
    var n = 0;
    foreach (var file in files)
    {
        target(File.ReadAllBytes(file));
        n++;
    }
    Console.Error.WriteLine($"{n} inputs ran without a finding.");
    return 0;
}
Fuzzer.OutOfProcess.Run(stream =>
{
    using var ms = new MemoryStream();
    stream.CopyTo(ms);
    target(ms.ToArray());
});
return 0;
