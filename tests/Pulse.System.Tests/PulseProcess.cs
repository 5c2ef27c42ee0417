using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Pulse.System.Tests;

/// <summary>Runs the built <c>pulse</c> program as a user would: a separate process, real arguments, real exit codes.</summary>
public static class PulseProcess
{
    private static string Dll => Path.Combine(AppContext.BaseDirectory, "pulse.dll");

    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static Task<Result> RunAsync(params string[] args) => RunWithAsync(null, args);

    /// <param name="environment">Extra environment variables (PULSE_… settings).</param>
    public static async Task<Result> RunWithAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        var psi = Start(args, environment);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        return new Result(p.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>pulse serve</c> and waits until /readyz answers 200.</summary>
    public static Task<(Process Process, Uri Address, StringBuilder Log)> ServeAsync(string dataDir) => ServeAsync(dataDir, null);

    /// <param name="environment">Extra environment variables (cluster settings …).</param>
    /// <param name="port">The port to listen on (a free one when 0), so a restarted node keeps its address.</param>
    public static async Task<(Process Process, Uri Address, StringBuilder Log)> ServeAsync(string dataDir, IReadOnlyDictionary<string, string>? environment, int port = 0)
    {
        port = port == 0 ? Pulse.Tests.Shared.ClusterServices.FreePort() : port;
        var psi = Start(["serve", "--data", dataDir, "--urls", $"http://127.0.0.1:{port}"], environment);
        var p = Process.Start(psi)!;
        var log = new StringBuilder();
        p.OutputDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        p.ErrorDataReceived += (_, e) => { lock (log) log.AppendLine(e.Data); };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        var address = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient { BaseAddress = address };
        for (var i = 0; i < 300; i++)
        {
            if (p.HasExited)
                throw new InvalidOperationException("pulse serve exited: " + log);
            try
            {
                if ((await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK)
                    return (p, address, log);
            }
            catch (HttpRequestException)
            {
            }
            await Task.Delay(100);
        }
        p.Kill(true);
        throw new TimeoutException("pulse serve did not become ready: " + log);
    }

    public static async Task StopAsync(Process p)
    {
        if (!p.HasExited)
        {
            // SIGTERM, as a service manager would send.
            Process.Start("kill", ["-TERM", p.Id.ToString(global::System.Globalization.CultureInfo.InvariantCulture)])?.WaitForExit();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await p.WaitForExitAsync(cts.Token);
        }
        p.Dispose();
    }

    private static ProcessStartInfo Start(IEnumerable<string> args, IReadOnlyDictionary<string, string>? environment = null)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        psi.Environment["Logging__LogLevel__Default"] = "Warning";
        psi.Environment["PULSE_Logging__LogLevel__Default"] = "Warning";
        foreach (var (k, v) in environment ?? new Dictionary<string, string>())
            psi.Environment[k] = v;
        return psi;
    }
}
