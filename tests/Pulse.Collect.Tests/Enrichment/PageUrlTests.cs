using Pulse.Collect.Enrichment;

namespace Pulse.Collect.Tests.Enrichment;

public sealed class PageUrlTests
{
    [Theory]
    [InlineData("https://shop.example/p/12?utm_source=instagram&utm_medium=social&utm_campaign=black-friday&fbclid=IwAR1x")]
    [InlineData("HTTPS://Shop.Example/Path/A?UTM_SOURCE=x&utm_source=y")]
    [InlineData("http://shop.example")]
    [InlineData("http://shop.example?utm_source=a+b&utm_medium=%C3%BCber&gclid=%zz")]
    [InlineData("https://shop.example:8443/p?ttclid=t1&li_fat_id=l1&msclkid=m1#utm_source=fragment")]
    [InlineData("https://shop.example/p/../q/./r?utm_campaign=%20spaced%20")]
    [InlineData("https://shop.example/a b/ü?utm_source=ü")]
    [InlineData("https://user:pw@shop.example/p?utm_source=u")]
    [InlineData("https://127.0.0.1/p?utm_source=ip")]
    [InlineData("https://0x7f.1/p")]
    [InlineData("https://[::1]:8080/p?utm_term=v6")]
    [InlineData("https://xn--bcher-kva.example/p")]
    [InlineData("https://bücher.example/p")]
    [InlineData("https://shop.example./p")]
    [InlineData("https://shop..example/p")]
    [InlineData("https://shop.example:/p")]
    [InlineData("https://shop.example:99999/p")]
    [InlineData("https://shop.example/p%2Fq?utm_content=%2B")]
    [InlineData("ftp://shop.example/p")]
    [InlineData("shop.example/p?utm_source=x")]
    [InlineData("https:///p")]
    [InlineData("https://shop.example/p?utm_source=&utm_medium=%20&fbclid= x ")]
    public void TheFastRoad_AgreesWithSystemUri(string url)
    {
        Assert.Equal(PageUrl.ParseWithUri(url), PageUrl.Parse(url));
    }
}
