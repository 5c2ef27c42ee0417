using Pulse.Fuzz;
using SharpFuzz;

// pulse-fuzz <target> [--libfuzzer]   run under afl-fuzz (default) or libfuzzer-dotnet
// pulse-fuzz <target> --replay PATH…  run files or folders once, e.g. a crash or the corpus
if (args.Length == 0 || !FuzzTargets.All.TryGetValue(args[0], out var target))
{
    Console.Error.WriteLine($"usage: Pulse.Fuzz <{string.Join('|', FuzzTargets.All.Keys)}> [--libfuzzer | --replay PATH…]");
    return 2;
}
if (args.Length > 1 && args[1] == "--libfuzzer")
{
    Fuzzer.LibFuzzer.Run(span => target(span.ToArray()));
    return 0;
}
if (args.Length > 1 && args[1] == "--replay")
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
