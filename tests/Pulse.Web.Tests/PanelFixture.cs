using Microsoft.Playwright;
using Pulse.Platform.Access;
using Pulse.Platform.People;
using Pulse.Platform.Tests;
using Pulse.Platform.Workspaces;

namespace Pulse.Web.Tests;

/// <summary>
/// One Pulse server and one Debian Chromium driven by Playwright for every browser test (the
/// <see cref="PanelCollection"/>): two cores cannot carry a server and a browser per class. Tests
/// stay apart by data, not by process: each makes its own workspace and people
/// (<see cref="WorkspaceAsync"/>) and its own browser context.
/// </summary>
public sealed class PanelFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;
    public IPlaywright Playwright { get; private set; } = null!;
    public IBrowser Browser { get; private set; } = null!;

    public static string ScreenshotDir
    {
        get
        {
            var dir = Environment.GetEnvironmentVariable("PULSE_SCREENSHOTS")
                ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "..", "..", "..", "..", "artifacts", "screenshots"));
            Directory.CreateDirectory(dir);
            return dir;
        }
    }

    public async Task InitializeAsync()
    {
        // Destinations may deliver to this server's own demo receivers (loopback).
        Server = await TestServer.StartAsync(new()
        {
            ["Security:AllowPrivateNetworkTargets"] = "true",
            ["Destinations:DemoSink"] = "true",
            ["Destinations:RefreshInterval"] = "00:00:00.200",
            // The server's first seconds on two busy cores (JIT, the thread pool growing) once made
            // the first deliveries to its own demo receiver time out at 10 s, and the circuit then
            // stayed open for 30 s, as long as a test waits: deliveries here get more time, and a
            // circuit that opens tries again after a second.
            ["Destinations:RequestTimeout"] = "00:00:30",
            ["Destinations:BreakDuration"] = "00:00:01",
        });
        Playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        Browser = await Playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("PULSE_CHROMIUM") is { Length: > 0 } c ? c : "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>A workspace of the calling test's own (its name made unique from <paramref name="name"/>), with an owner and a viewer who belong to it alone.</summary>
    public async Task<PanelWorkspace> WorkspaceAsync(string name)
    {
        var unique = name + "-" + Guid.NewGuid().ToString("N")[..8];
        var ownerEmail = $"owner-{unique}@example.com".ToLowerInvariant();
        var owner = await Server.WithScopeAsync<UserService, UserDto>(s => s.CreateAsync(null, ownerEmail, TestData.Password, "Olga Owner", default));
        var workspace = await Server.WithScopeAsync<WorkspaceService, WorkspaceDto>(s => s.CreateAsync(unique, owner.Id, null, default));
        var created = new PanelWorkspace(this, workspace, owner.Id, ownerEmail, $"viewer-{unique}@example.com".ToLowerInvariant());
        await created.AddMemberAsync(created.ViewerEmail, WorkspaceRole.Viewer, "Victor Viewer");
        return created;
    }

    public async Task<IPage> LoginAsync(string email, string password = TestData.Password)
    {
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = Server.Address.ToString(), ViewportSize = new() { Width = 1400, Height = 900 } });
        var page = await context.NewPageAsync();
        page.Console += (_, m) => File.AppendAllText(Path.Combine(ScreenshotDir, "console.log"), m.Type + ": " + m.Text + "\n");
        await page.GotoAsync("/account/login");
        await page.FillAsync("#email", email);
        await page.FillAsync("#password", password);
        await page.ClickAsync("[data-testid=login-submit]");
        return page;
    }

    /// <summary>
    /// Logs in and waits until the browser has left the login page. Only the navigation's commit is
    /// awaited: the panel keeps a circuit open, so waiting for the page's "load" event after the
    /// redirect sometimes timed out although the page was there.
    /// <para>
    /// A sign-in that is still on the login page after a generous limit (on a busy two-core machine
    /// the first sign-in of a run has taken over 30 s) is tried once more with a fresh browser
    /// context, as a person would; if that fails too, the error names the page's address, the
    /// answer to the form's POST and what the page said, so a failure in CI can be read.
    /// </para>
    /// </summary>
    public async Task<IPage> SignInAsync(string email, string password = TestData.Password)
    {
        var seen = new List<string>();
        for (var attempt = 1; ; attempt++)
        {
            var page = await LoginAsync(email, password);
            page.Response += (_, r) =>
            {
                if (r.Request.Method == "POST")
                    lock (seen)
                        seen.Add($"attempt {attempt}: POST {r.Url} -> {r.Status}");
            };
            try
            {
                await page.WaitForURLAsync(u => !u.Contains("/account/login", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
                return page;
            }
            catch (TimeoutException)
            {
                var text = await page.InnerTextAsync("body", new() { Timeout = 5_000 }).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : "(no text)", TaskScheduler.Default);
                lock (seen)
                    seen.Add($"attempt {attempt}: still at {page.Url}: {text.ReplaceLineEndings(" ")[..Math.Min(300, text.Length)]}");
                await ShotAsync(page, $"signin-failed-{attempt}").ContinueWith(_ => { }, TaskScheduler.Default);
                await page.Context.CloseAsync();
                if (attempt == 2)
                    throw new TimeoutException($"Signing in as {email} did not leave the login page: {string.Join(" | ", seen)}");
            }
        }
    }

    public static Task ShotAsync(IPage page, string name) =>
        page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotDir, name + ".png"), FullPage = true });

    public async Task DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
        await Server.DisposeAsync();
    }
}
