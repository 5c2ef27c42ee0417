using System.Text.RegularExpressions;

namespace Pulse.Platform.Tests.Account;

/// <summary>A browser-like client for the panel's form posts: it carries the antiforgery token and cookies between requests.</summary>
internal sealed partial class AntiforgeryForm(HttpClient client)
{
    private readonly Dictionary<string, string> _cookies = new(StringComparer.Ordinal);
    private string _token = "";

    public static async Task<AntiforgeryForm> OpenAsync(TestServer s, string page = "/account/login")
    {
        var form = new AntiforgeryForm(s.Client);
        await form.GetAsync(page);
        return form;
    }

    public bool HasCookie(string name) => _cookies.ContainsKey(name);

    /// <summary>Loads a page and takes its antiforgery token.</summary>
    public async Task<string> GetAsync(string path)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, path);
        AddCookies(req);
        var response = await client.SendAsync(req);
        Remember(response);
        var html = await response.Content.ReadAsStringAsync();
        var match = TokenRegex().Match(html);
        if (match.Success)
            _token = match.Groups[1].Value;
        return html;
    }

    public async Task<HttpResponseMessage> PostAsync(string path, Dictionary<string, string> fields)
    {
        fields["__RequestVerificationToken"] = _token;
        var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        AddCookies(req);
        var response = await client.SendAsync(req);
        Remember(response);
        return response;
    }

    private void AddCookies(HttpRequestMessage req)
    {
        if (_cookies.Count > 0)
            req.Headers.Add("Cookie", string.Join("; ", _cookies.Select(c => c.Key + "=" + c.Value)));
    }

    private void Remember(HttpResponseMessage response)
    {
        if (!response.Headers.TryGetValues("Set-Cookie", out var values))
            return;
        foreach (var header in values)
        {
            var pair = header.Split(';')[0];
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            var (name, value) = (pair[..eq], pair[(eq + 1)..]);
            if (value.Length == 0 || header.Contains("expires=Thu, 01 Jan 1970", StringComparison.OrdinalIgnoreCase))
                _cookies.Remove(name);
            else
                _cookies[name] = value;
        }
    }

    [GeneratedRegex("name=\"__RequestVerificationToken\" value=\"([^\"]+)\"")]
    private static partial Regex TokenRegex();
}
