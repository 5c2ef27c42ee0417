using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Pulse.Hosting;
using Pulse.Platform.Storage;
using Pulse.Platform.ApiKeys;

namespace Pulse.Cli;

/// <summary>
/// Calls the API of the server running on the same embedded data directory (which holds the
/// event log open) with the local admin token it wrote, acting in <paramref name="workspace"/> as
/// the person at the terminal. A refusal becomes a <see cref="CliException"/> with the problem's detail.
/// </summary>
internal static class LocalApi
{
    public static async Task<TResult> SendAsync<TBody, TResult>(DataDirectory data, Guid workspace, HttpMethod method, string path, TBody? body,
        JsonTypeInfo<TBody> bodyType, JsonTypeInfo<TResult> resultType, string what, CancellationToken ct)
    {
        var token = LocalAdminToken.Read(data) ?? throw new CliException($"A server runs on {data.Path} but published no {LocalAdminToken.FileName}; restart it with this version of Pulse.");
        using var http = new HttpClient { BaseAddress = new Uri(ServerLock.LocalAddress(data)), Timeout = TimeSpan.FromMinutes(30) };
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
            request.Content = JsonContent.Create(body, bodyType);
        request.Headers.Authorization = new AuthenticationHeaderValue(LocalAdminToken.Scheme, token);
        request.Headers.Add(LocalAdminToken.WorkspaceHeader, workspace.ToString());
        request.Headers.Add(LocalAdminToken.UserHeader, Environment.UserName);
        using var response = await http.SendAsync(request, ct);
        var text = await response.Content.ReadAsStringAsync(ct);
        if (!response.IsSuccessStatusCode)
        {
            string? detail = null;
            try
            {
                using var doc = JsonDocument.Parse(text);
                detail = doc.RootElement.TryGetProperty("errors", out var errors) && errors.ValueKind == JsonValueKind.Object
                    ? string.Join(" ", errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(v => v.GetString())))
                    : doc.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
            }
            catch (JsonException)
            {
                // Not a problem document; the status says enough.
            }
            throw new CliException($"The server refused the {what} ({(int)response.StatusCode}): {detail ?? response.ReasonPhrase}", (int)response.StatusCode is 400 ? 2 : 1);
        }
        return JsonSerializer.Deserialize(text, resultType)!;
    }
}
