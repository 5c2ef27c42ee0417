using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Configuration;
using Pulse.Platform.Webhooks;

namespace Pulse.Platform.Tests.Webhooks;

/// <summary>User-supplied webhook targets cannot reach the server's own networks unless the operator allows it.</summary>
public sealed class TargetGuardTests
{
    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.8.9.10", true)]
    [InlineData("10.1.2.3", true)]
    [InlineData("172.16.0.1", true)]
    [InlineData("172.31.255.255", true)]
    [InlineData("172.32.0.1", false)]
    [InlineData("192.168.1.1", true)]
    [InlineData("169.254.169.254", true)]
    [InlineData("100.64.0.1", true)]
    [InlineData("100.128.0.1", false)]
    [InlineData("0.0.0.0", true)]
    [InlineData("224.0.0.1", true)]
    [InlineData("255.255.255.255", true)]
    [InlineData("198.18.0.1", true)]
    [InlineData("8.8.8.8", false)]
    [InlineData("93.184.216.34", false)]
    [InlineData("::1", true)]
    [InlineData("::", true)]
    [InlineData("fe80::1", true)]
    [InlineData("fd00::1", true)]
    [InlineData("ff02::1", true)]
    [InlineData("::ffff:127.0.0.1", true)]
    [InlineData("::ffff:10.0.0.1", true)]
    [InlineData("2001:4860:4860::8888", false)]
    [InlineData("::127.0.0.1", true)]
    [InlineData("64:ff9b::7f00:1", true)]
    [InlineData("64:ff9b::a9fe:a9fe", true)]
    [InlineData("64:ff9b::808:808", false)]
    public void IsPrivate_CoversLoopbackPrivateLinkLocalAndReservedRanges(string address, bool expected) =>
        Assert.Equal(expected, TargetGuard.IsPrivate(IPAddress.Parse(address)));

    [Theory]
    [InlineData("https://hooks.example.com/pulse", false, null)]
    [InlineData("http://hooks.example.com:8080/x?y=1", false, null)]
    [InlineData("http://127.0.0.1:9000/hook", false, "private")]
    [InlineData("http://[::1]/hook", false, "private")]
    [InlineData("http://169.254.169.254/latest/meta-data", false, "private")]
    [InlineData("http://2130706433/", false, "private")]
    [InlineData("http://localhost:5000/", false, "localhost")]
    [InlineData("http://localhost./", false, "localhost")]
    [InlineData("http://127.0.0.1.:9000/", false, "private")]
    [InlineData("http://0x7f000001:9000/", false, "private")]
    [InlineData("http://127.1:9000/", false, "private")]
    [InlineData("http://0177.0.0.1/", false, "private")]
    [InlineData("http://0.0.0.0:9000/", false, "private")]
    [InlineData("http://0/", false, "private")]
    [InlineData("http://[::ffff:127.0.0.1]/", false, "private")]
    [InlineData("http://[::ffff:7f00:1]/", false, "private")]
    [InlineData("http://[::]/", false, "private")]
    [InlineData("http://\uff11\uff12\uff17.0.0.1/", false, "private")]
    [InlineData("http://api.localhost/", false, "localhost")]
    [InlineData("http://127.0.0.1:9000/hook", true, null)]
    [InlineData("ftp://example.com/", false, "http")]
    [InlineData("/relative/path", false, "absolute")]
    [InlineData("https://user:pass@example.com/", false, "password")]
    [InlineData("https://example.com/#frag", false, "fragment")]
    [InlineData("", false, "required")]
    public void Problem_NamesWhatIsWrongWithAUrl(string url, bool allowPrivate, string? problem)
    {
        var found = TargetGuard.Problem(url, allowPrivate);
        if (problem is null)
            Assert.Null(found);
        else
            Assert.Contains(problem, found, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData("http://10.0.0.5/")]
    [InlineData("http://localhost/")]
    public void Problem_NamesTheSettingThatAllowsAPrivateTarget(string url) =>
        Assert.Contains("Security:AllowPrivateNetworkTargets=true", TargetGuard.Problem(url, allowPrivate: false), StringComparison.Ordinal);

    [Theory]
    [InlineData(null, null, false)]
    [InlineData("false", "false", false)]
    [InlineData("true", null, true)]
    [InlineData(null, "true", true)]
    [InlineData("True", "false", true)]
    [InlineData("false", "true", true)]
    public void OutboundTargets_AllowPrivate_WhenTheSettingOrItsDestinationsAliasIsTrue(string? security, string? destinations, bool allowed)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Security:AllowPrivateNetworkTargets"] = security,
            ["Destinations:AllowPrivateNetworkTargets"] = destinations,
        }).Build();
        var targets = OutboundTargets.From(config);
        Assert.Equal(allowed, targets.AllowPrivate);
        Assert.Equal(allowed, targets.Problem("http://127.0.0.1:9000/hook") is null);
    }

    [Fact]
    public void OutboundTargets_RefusesToStart_OnASettingThatIsNotABoolean()
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Destinations:AllowPrivateNetworkTargets"] = "yes",
        }).Build();
        var e = Assert.Throws<InvalidOperationException>(() => OutboundTargets.From(config));
        Assert.Contains("Destinations:AllowPrivateNetworkTargets", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Handler_DoesNotFollowRedirects()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = ServeOnceAsync(listener, $"HTTP/1.1 302 Found\r\nLocation: http://127.0.0.1:{port}/elsewhere\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
        // Following the redirect would wait on a second connection that nobody answers.
        using var client = new HttpClient(TargetGuard.CreateHandler(allowPrivate: true)) { Timeout = TimeSpan.FromSeconds(10) };
        using var res = await client.GetAsync($"http://127.0.0.1:{port}/");
        Assert.Equal(HttpStatusCode.Found, res.StatusCode);
        await served;
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task Handler_RefusesANameThatResolvesToLoopback_UnlessPrivateTargetsAreAllowed()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var served = ServeOnceAsync(listener);

        // "localhost" passes no IP-literal check; only the connect-time check after DNS can stop it.
        using (var guarded = new HttpClient(TargetGuard.CreateHandler(allowPrivate: false)))
        {
            var e = await Assert.ThrowsAsync<HttpRequestException>(() => guarded.GetAsync($"http://localhost:{port}/"));
            Assert.Contains("refused", e.Message, StringComparison.Ordinal);
            Assert.True(TargetRefusedException.IsRefusal(e));
        }
        using (var open = new HttpClient(TargetGuard.CreateHandler(allowPrivate: true)))
        {
            var res = await open.GetAsync($"http://127.0.0.1:{port}/");
            Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            Assert.Equal("ok", await res.Content.ReadAsStringAsync());
        }
        await served;
    }

    private static async Task ServeOnceAsync(TcpListener listener, string answer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
    {
        using var client = await listener.AcceptTcpClientAsync();
        var stream = client.GetStream();
        var buffer = new byte[4096];
        var read = 0;
        while (!Encoding.ASCII.GetString(buffer, 0, read).Contains("\r\n\r\n", StringComparison.Ordinal))
            read += await stream.ReadAsync(buffer.AsMemory(read));
        await stream.WriteAsync(Encoding.ASCII.GetBytes(answer));
    }
}
