using System.Net;
using System.Net.Http.Headers;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Links;

/// <summary>The brand's logo in the middle of its SVG QR codes. Both storage modes.</summary>
public sealed class QrLogoTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<HttpResponseMessage> PutLogoAsync(string key, byte[] body, string type = "image/png")
    {
        using var req = new HttpRequestMessage(HttpMethod.Put, "/api/v1/links/qr-logo") { Content = new ByteArrayContent(body) };
        req.Content.Headers.ContentType = new MediaTypeHeaderValue(type);
        req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await Server.Client.SendAsync(req);
    }

    [Fact]
    public async Task ALogo_IsPlacedInSvgCodes_AndBadLogosAreRefused()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        var link = (await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Post, "/api/v1/links", key, new { url = "https://shop.example/" }))).GetProperty("id").GetGuid();
        var res = await Server.SendAsync(HttpMethod.Get, $"/api/v1/links/{link}/qr?format=svg&logo=true", key, null);
        var problem = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, problem);
        Assert.Contains("no QR logo", problem, StringComparison.Ordinal);

        // Any real PNG will do as the brand's logo: here one QRCoder draws.
        var png = new QRCoder.PngByteQRCode(new QRCoder.QRCodeGenerator().CreateQrCode("logo", QRCoder.QRCodeGenerator.ECCLevel.L)).GetGraphic(4);
        TestData.AssertStatus(HttpStatusCode.NoContent, await PutLogoAsync(key, png), "");
        var svg = await (await Server.SendAsync(HttpMethod.Get, $"/api/v1/links/{link}/qr?format=svg&logo=true", key, null)).Content.ReadAsStringAsync();
        Assert.Contains("data:image/png;base64,", svg, StringComparison.Ordinal);
        Assert.DoesNotContain("data:image/png", await (await Server.SendAsync(HttpMethod.Get, $"/api/v1/links/{link}/qr?format=svg", key, null)).Content.ReadAsStringAsync(), StringComparison.Ordinal);
        res = await Server.SendAsync(HttpMethod.Get, $"/api/v1/links/{link}/qr?format=png&logo=true", key, null);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, await res.Content.ReadAsStringAsync());

        var notPng = await PutLogoAsync(key, "<svg onload=alert(1)></svg>"u8.ToArray());
        Assert.Contains("not a PNG", await notPng.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, notPng.StatusCode);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await PutLogoAsync(key, png, "image/svg+xml")).StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await PutLogoAsync(key, new byte[300 * 1024])).StatusCode);
        var analyst = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Analyst)).Key;
        Assert.Equal(HttpStatusCode.Forbidden, (await PutLogoAsync(analyst, png)).StatusCode);

        TestData.AssertStatus(HttpStatusCode.NoContent, await Server.SendAsync(HttpMethod.Delete, "/api/v1/links/qr-logo", key, null), "");
        res = await Server.SendAsync(HttpMethod.Get, $"/api/v1/links/{link}/qr?format=svg&logo=true", key, null);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, await res.Content.ReadAsStringAsync());
    }
}
