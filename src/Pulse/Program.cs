using Pulse.Cli;

return await PulseCli.RunAsync(args);
