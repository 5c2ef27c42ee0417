using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pulse.Tests.Shared.Platforms;

/// <summary>
/// What every local stand-in for an ad platform shares: a Kestrel server on a loopback port, the
/// requests it accepted (as JSON) and refused (status and body), and failures it can be told to
/// answer for a while, as a platform that is down or throttling.
/// </summary>
public abstract class StandInServer : IAsyncDisposable
{
    private WebApplication? _app;
    private readonly List<JsonObject> _accepted = [];
    private readonly List<(int Status, string Body)> _refused = [];
    private readonly Queue<(HttpStatusCode Status, int? RetryAfter)> _failures = new();
    private HttpStatusCode? _down;
    private int _failuresAnswered;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<JsonObject> Accepted
    {
        get
        {
            lock (_accepted)
                return _accepted.ToList();
        }
    }

    public IReadOnlyList<(int Status, string Body)> Refused
    {
        get
        {
            lock (_refused)
                return _refused.ToList();
        }
    }

    /// <summary>The next <paramref name="count"/> requests get <paramref name="status"/> (with <c>Retry-After</c> when given) before any check.</summary>
    public void FailNext(int count, HttpStatusCode status, int? retryAfterSeconds = null)
    {
        lock (_failures)
        {
            for (var i = 0; i < count; i++)
                _failures.Enqueue((status, retryAfterSeconds));
        }
    }

    /// <summary>Every request gets <paramref name="status"/> (before any check) until <see cref="Up"/>: a platform that is down for as long as a test needs.</summary>
    public void Down(HttpStatusCode status = HttpStatusCode.ServiceUnavailable)
    {
        lock (_failures)
            _down = status;
    }

    public void Up()
    {
        lock (_failures)
            _down = null;
    }

    /// <summary>How many requests were answered with a failure (queued by <see cref="FailNext"/> or while <see cref="Down"/>).</summary>
    public int FailuresAnswered => Volatile.Read(ref _failuresAnswered);

    protected async Task StartAsync(Action<WebApplication> map)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        _app = builder.Build();
        map(_app);
        await _app.StartAsync();
        BaseUrl = new Uri(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());
    }

    /// <summary>Answers a queued failure, if one is due (true), as the platform answers that kind of failure (its status and body).</summary>
    protected async Task<bool> FailIfDueAsync(HttpContext http, Func<HttpStatusCode, (int Status, string Body)> answer)
    {
        (HttpStatusCode Status, int? RetryAfter)? failure = null;
        lock (_failures)
        {
            if (_failures.TryDequeue(out var next))
                failure = next;
            else if (_down is { } down)
                failure = (down, null);
        }
        if (failure is not { } f)
            return false;
        Interlocked.Increment(ref _failuresAnswered);
        var (status, body) = answer(f.Status);
        http.Response.StatusCode = status;
        if (f.RetryAfter is { } s)
            http.Response.Headers.RetryAfter = s.ToString(global::System.Globalization.CultureInfo.InvariantCulture);
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body);
        return true;
    }

    protected void Accept(JsonObject body)
    {
        lock (_accepted)
            _accepted.Add(body);
    }

    protected async Task RefuseAsync(HttpContext http, int status, string body)
    {
        lock (_refused)
            _refused.Add((status, body));
        http.Response.StatusCode = status;
        http.Response.ContentType = "application/json";
        await http.Response.WriteAsync(body);
    }

    protected static async Task<JsonObject?> ReadJsonAsync(HttpContext http)
    {
        try
        {
            return await JsonNode.ParseAsync(http.Request.Body) as JsonObject;
        }
        catch (global::System.Text.Json.JsonException)
        {
            return null;
        }
    }

    protected static string? Text(JsonObject? o, string name) =>
        o?[name] is JsonValue v && v.GetValueKind() == global::System.Text.Json.JsonValueKind.String ? v.GetValue<string>() : null;

    protected static bool IsSha256(string? s) => s is { Length: 64 } && s.All(c => c is >= '0' and <= '9' or >= 'a' and <= 'f');

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
        GC.SuppressFinalize(this);
    }
}
