using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Pulse.Tests.Shared;

/// <summary>A client of the live debugger's server-sent events: gathers every batch it reads.</summary>
internal sealed class LiveStream : IAsyncDisposable
{
    private readonly HttpClient _http;
    private readonly HttpResponseMessage _response;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reader;
    private readonly List<JsonElement> _batches = [];
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private LiveStream(HttpClient http, HttpResponseMessage response)
    {
        _http = http;
        _response = response;
        _reader = Task.Run(ReadAsync);
    }

    public IReadOnlyList<JsonElement> Batches
    {
        get
        {
            lock (_batches)
                return [.. _batches];
        }
    }

    public IReadOnlyList<JsonElement> Entries => Batches.SelectMany(b => b.GetProperty("entries").EnumerateArray()).ToList();

    public int Listed => Batches.Sum(b => b.GetProperty("entries").GetArrayLength());

    public int Skipped => Batches.Sum(b => b.GetProperty("skipped").GetInt32());

    /// <summary>Opens the stream on <paramref name="baseAddress"/> and waits for its first (empty) batch, so that what is sent next is seen.</summary>
    public static async Task<LiveStream> OpenAsync(Uri baseAddress, string apiKey, string query = "")
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/events/live" + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        // The body is read only when the stream was refused: an open stream never ends.
        if (response.StatusCode != HttpStatusCode.OK)
            Assert.Fail($"The live stream answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var stream = new LiveStream(http, response);
        try
        {
            await stream._opened.Task.WaitAsync(TimeSpan.FromSeconds(10));
        }
        catch
        {
            await stream.DisposeAsync();
            throw;
        }
        return stream;
    }

    /// <summary>Waits until the entries read so far satisfy <paramref name="done"/>, and returns them.</summary>
    public async Task<IReadOnlyList<JsonElement>> UntilAsync(Func<IReadOnlyList<JsonElement>, bool> done, int seconds = 15)
    {
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(seconds));
        while (true)
        {
            var entries = Entries;
            if (done(entries))
                return entries;
            if (_reader.IsCompleted)
                throw new InvalidOperationException("The live stream ended.", _reader.Exception);
            try
            {
                await Task.Delay(50, deadline.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"After {seconds} s the live stream had {entries.Count} entries: {string.Join(" | ", entries.Select(e => e.ToString()))}");
            }
        }
    }

    /// <summary>Reads the stream as the SSE format lays it out: "event:" and "data:" lines, an empty line ending each event.</summary>
    private async Task ReadAsync()
    {
        await using var body = await _response.Content.ReadAsStreamAsync(_stop.Token);
        using var reader = new StreamReader(body);
        string? type = null;
        var data = new StringBuilder();
        while (await reader.ReadLineAsync(_stop.Token) is { } line)
        {
            if (line.StartsWith("event:", StringComparison.Ordinal))
                type = line[6..].Trim();
            else if (line.StartsWith("data:", StringComparison.Ordinal))
                data.Append(line[5..].TrimStart());
            else if (line.Length == 0 && data.Length > 0)
            {
                Assert.Equal("batch", type);
                var batch = JsonDocument.Parse(data.ToString()).RootElement.Clone();
                data.Clear();
                lock (_batches)
                    _batches.Add(batch);
                _opened.TrySetResult();
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _reader;
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        _response.Dispose();
        _http.Dispose();
        _stop.Dispose();
    }
}
