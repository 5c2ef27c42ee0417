using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pulse.Platform.Webhooks;

namespace Pulse.Tests.Shared.Platforms;

/// <summary>
/// A partner's webhook endpoint, as docs/webhooks.md tells receivers to build one: it checks the
/// <c>Pulse-Signature</c> of every delivery against the raw body (400 when it does not verify, once
/// a secret is set), records what it accepted with the time, and can be told to fail or be slow.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly List<Delivery> _accepted = [];
    private readonly Queue<(HttpStatusCode Status, int? RetryAfter)> _failures = new();
    private int _refusedSignatures;

    /// <summary>One accepted request: its raw body, parsed, its headers and when it came.</summary>
    public sealed record Delivery(string Body, JsonElement Json, IReadOnlyDictionary<string, string> Headers, DateTimeOffset At);

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri Url { get; private set; } = null!;

    /// <summary>The signing secret deliveries must verify with (null: not checked yet).</summary>
    public string? Secret { get; set; }

    public TimeSpan Delay { get; set; }

    public int RefusedSignatures => Volatile.Read(ref _refusedSignatures);

    public IReadOnlyList<Delivery> Accepted
    {
        get
        {
            lock (_accepted)
                return _accepted.ToList();
        }
    }

    /// <summary>Every message accepted (a batch's items, or the single message).</summary>
    public IReadOnlyList<JsonElement> Messages => Accepted.SelectMany(d => d.Json.TryGetProperty("batch", out var b) ? b.EnumerateArray().ToList() : [d.Json]).ToList();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", receiver.HandleAsync);
        await app.StartAsync();
        receiver.Url = new Uri(new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First()), "/hook");
        return receiver;
    }

    public void FailNext(int count, HttpStatusCode status, int? retryAfterSeconds = null)
    {
        lock (_failures)
        {
            for (var i = 0; i < count; i++)
                _failures.Enqueue((status, retryAfterSeconds));
        }
    }

    public int PendingFailures
    {
        get
        {
            lock (_failures)
                return _failures.Count;
        }
    }

    private async Task HandleAsync(HttpContext http)
    {
        using var ms = new MemoryStream();
        await http.Request.Body.CopyToAsync(ms);
        var raw = ms.ToArray();
        if (Delay > TimeSpan.Zero)
            await Task.Delay(Delay);
        (HttpStatusCode Status, int? RetryAfter)? failure = null;
        lock (_failures)
        {
            if (_failures.TryDequeue(out var next))
                failure = next;
        }
        if (failure is { } f)
        {
            http.Response.StatusCode = (int)f.Status;
            if (f.RetryAfter is { } s)
                http.Response.Headers.RetryAfter = s.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
            await http.Response.WriteAsync("temporarily unavailable");
            return;
        }
        if (Secret is { } secret && WebhookSignature.Verify(http.Request.Headers[WebhookSignature.Header], raw, secret, TimeProvider.System.GetUtcNow()) != SignatureCheck.Valid)
        {
            Interlocked.Increment(ref _refusedSignatures);
            http.Response.StatusCode = 400;
            await http.Response.WriteAsync("bad signature");
            return;
        }
        var text = global::System.Text.Encoding.UTF8.GetString(raw);
        var headers = http.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        lock (_accepted)
            _accepted.Add(new Delivery(text, JsonDocument.Parse(text).RootElement.Clone(), headers, TimeProvider.System.GetUtcNow()));
        http.Response.StatusCode = 200;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
