using Pulse.Cli;

// Regexes built without a timeout (the JSON Schema library's patterns of tracking plans among
// them) give up after a second instead of stalling a thread on catastrophic backtracking. Set
// before any Regex is created.
AppContext.SetData("REGEX_DEFAULT_MATCH_TIMEOUT", TimeSpan.FromSeconds(1));

return await PulseCli.RunAsync(args);
