using System.Net;
using System.Text;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Bugs;

/// <summary>
/// Found by the ingest-json and pixel-query fuzz targets: a JSON string escaping half a surrogate
/// pair (<c>"\ud800"</c>) threw when read, invalid UTF-8 inside pixel <c>data=</c> threw when read,
/// and duplicate fields in pixel <c>data=</c> threw when the write key was added; each was a 500.
/// </summary>
public sealed class Issue_lone_surrogate_500(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Theory]
    [InlineData("""{"userId":"u","event":"Bad \ud800 name"}""")]
    [InlineData("""{"userId":"\udfff","event":"x"}""")]
    [InlineData("""{"userId":"u","event":"x","context":{"userAgent":"\uDBFF"}}""")]
    [InlineData("""{"writeKey":"wk_\ud800","userId":"u","event":"x"}""")]
    public async Task LoneSurrogateEscape_Gets400_NamingIt(string json)
    {
        var t = await fixture.TenantAsync();
        var (res, body) = await t.IngestAsync("/v1/track", json);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Contains("surrogate", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LoneSurrogateEscape_InABatch_RejectsOnlyThatMessage_AndAValidPairIsStored()
    {
        var t = await fixture.TenantAsync();
        var (res, body) = await t.IngestAsync("/v1/batch", """
            {"batch":[{"type":"track","userId":"u","event":"Bad \ud800"},{"type":"track","userId":"u","event":"Smile \ud83d\ude00"}]}
            """);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal(1, body.GetProperty("accepted").GetInt32());
        Assert.Contains("surrogate", body.GetProperty("rejected")[0].GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("Smile 😀", (await t.EventsAsync())[0].GetProperty("event").GetString());
    }

    [Fact]
    public async Task PixelData_WithInvalidUtf8_Gets400_AndWithDuplicateFields_IsStored()
    {
        var t = await fixture.TenantAsync();
        var invalid = Encoding.UTF8.GetBytes("""{"type":"track","userId":"u","event":"AB"}""");
        invalid[Array.IndexOf(invalid, (byte)'A')] = 0xD2;
        var res = await t.Client.GetAsync($"/p.gif?k={t.WriteKey}&data={Convert.ToBase64String(invalid).Replace('+', '-').Replace('/', '_')}");
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, await res.Content.ReadAsStringAsync());
        Assert.Contains("UTF-8", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        var duplicated = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"type":"track","userId":"a","userId":"b","event":"Opened"}""")).Replace('+', '-').Replace('/', '_');
        res = await t.Client.GetAsync($"/p.gif?k={t.WriteKey}&data={duplicated}");
        TestData.AssertStatus(HttpStatusCode.OK, res, await res.Content.ReadAsStringAsync());
        Assert.Equal("image/gif", res.Content.Headers.ContentType?.MediaType);

        var surrogate = Convert.ToBase64String(Encoding.UTF8.GetBytes("""{"type":"track","userId":"u","event":"x\ud800"}""")).Replace('+', '-').Replace('/', '_');
        res = await t.Client.GetAsync($"/p.gif?k={t.WriteKey}&data={surrogate}");
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, await res.Content.ReadAsStringAsync());
    }
}
