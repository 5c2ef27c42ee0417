using System.CommandLine;
using Microsoft.Extensions.Options;
using Pulse.Demo;
using Pulse.Hosting;
using Pulse.Platform.Storage;

namespace Pulse.Cli;

internal static class ServerCommands
{
    private static Option<string> UrlsOption() => new("--urls")
    {
        Description = "Addresses to listen on, separated by ';' (default http://localhost:5080; also PULSE_URLS).",
    };

    public static Command Serve()
    {
        var urls = UrlsOption();
        var cmd = new Command("serve", "Run the Pulse server (API, admin panel, metrics).") { urls };
        cmd.SetAction(PulseCli.Guarded((parsed, ct) => ServeAsync(PulseCli.Flags(parsed, urls), null, null, ct)));
        return cmd;
    }

    public static Command Demo()
    {
        var urls = UrlsOption();
        var seed = new Option<int>("--seed") { Description = "Seed of the generated demo data (same seed, same data).", DefaultValueFactory = _ => 42 };
        var sessions = new Option<int>("--sessions-per-day") { Description = "Visits a day in the 90 days of demo traffic (about 5.5 events each; 0: none).", DefaultValueFactory = _ => 2100 };
        sessions.Validators.Add(r =>
        {
            if (r.GetValueOrDefault<int>() is < 0 or > 100_000)
                r.AddError("--sessions-per-day must be between 0 and 100000.");
        });
        var cmd = new Command("demo", "Run the server with a demo workspace 'Demo Shop' and print an owner login and API key (data in ./pulse-demo unless --data).") { urls, seed, sessions };
        cmd.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var flags = PulseCli.Flags(parsed, urls);
            flags.TryAdd("Storage:DataDirectory", "./pulse-demo");
            // The demo's destinations deliver to receivers built into this server (loopback).
            flags.TryAdd("Destinations:DemoSink", "true");
            // The demo values its creators' posts (EMV) at a CPM of 25 PLN and 0.40 PLN an engagement.
            flags.TryAdd("Emv:Cpm", "25");
            flags.TryAdd("Emv:Cpe", "0.40");
            flags.TryAdd("Emv:Currency", "PLN");
            flags.TryAdd(Pulse.Platform.Webhooks.OutboundTargets.Setting, "true");
            var seedValue = parsed.GetValue(seed);
            DemoSeeder.Credentials? credentials = null;
            var progress = new Progress<long>(n => CliOutput.Info($"Demo traffic: {n:N0} events stored…"));
            return await ServeAsync(flags, async app => credentials = await new DemoSeeder(app.Services, seedValue, parsed.GetValue(sessions), progress).SeedAsync(ct), async (app, addresses) =>
            {
                var url = addresses.FirstOrDefault() ?? "http://localhost:5080";
                await new DemoSeeder(app.Services, seedValue).SeedDestinationsAsync(url, ct);
                CliOutput.Ok("Pulse demo is running.");
                CliOutput.Info($"  Open:     {url}/");
                CliOutput.Info($"  Owner:    {credentials!.OwnerEmail} / {credentials.Password}");
                CliOutput.Info($"  Viewer:   {credentials.ViewerEmail} / {credentials.Password}");
                CliOutput.Info($"  Partner:  {credentials.PartnerEmail} / {credentials.Password}  (creator Anna Kowalska in the partner portal, {url}/partner)");
                CliOutput.Info($"  API key:  {credentials.ApiKey}");
                CliOutput.Info($"  Try:      curl -H 'Authorization: Bearer {credentials.ApiKey}' {url}/api/v1/workspaces/current");
                CliOutput.Info($"  API docs: {url}/scalar/v1");
            }, ct);
        }));
        return cmd;
    }

    public static Command Migrate()
    {
        var cmd = new Command("migrate", "Apply database migrations to the data directory and exit.");
        cmd.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct, migrate: false);
            var applied = await cli.Get<Database>().MigrateAsync(ct);
            CliOutput.Ok(applied.Count == 0 ? "The schema is up to date." : $"Applied {applied.Count} migration(s): {string.Join(", ", applied)}");
            return 0;
        }));
        return cmd;
    }

    private static async Task<int> ServeAsync(
        Dictionary<string, string?> flags,
        Func<WebApplication, Task>? beforeStart,
        Func<WebApplication, IReadOnlyList<string>, Task>? afterStart,
        CancellationToken ct)
    {
        var app = PulseHost.Build(flags);
        await using (app)
        {
            var data = app.Services.GetRequiredService<DataDirectory>();
            using var serverLock = ServerLock.Acquire(data);
            try
            {
                var bootstrap = app.Services.GetRequiredService<Bootstrap>();
                await bootstrap.PrepareAsync(ct);
                if (beforeStart is not null)
                    await beforeStart(app);
                await app.StartAsync(ct);
                var addresses = PulseHost.Addresses(app);
                app.Services.GetRequiredService<Pulse.Platform.ApiKeys.LocalAdminToken>().Publish(data);
                serverLock.Publish(addresses);
                CliOutput.Info($"Pulse is listening on {string.Join(", ", addresses)} (data: {data.Path}). Ctrl+C stops it.");
                await bootstrap.AnnounceSetupAsync(addresses, ct);
                if (afterStart is not null)
                    await afterStart(app, addresses);
                await app.WaitForShutdownAsync(ct);
                return 0;
            }
            catch (OptionsValidationException e)
            {
                throw new CliException("Invalid configuration: " + string.Join(" ", e.Failures), 2);
            }
            catch (IOException e) when (e.InnerException is Microsoft.AspNetCore.Connections.AddressInUseException || e.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                throw new CliException("Cannot listen: " + e.Message + " Choose another address with --urls.");
            }
            finally
            {
                Pulse.Platform.ApiKeys.LocalAdminToken.Withdraw(data);
            }
        }
    }
}
