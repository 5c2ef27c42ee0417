using Pulse.Influence.Attribution;
using Pulse.Platform.Access;

namespace Pulse.Influence.Tests.Attribution;

/// <summary>Journeys from a CSV of paths, as attribution tools export them.</summary>
public sealed class JourneyCsvTests
{
    [Fact]
    public void APathsCsv_IsAttributedLikeTheSameJourneysInJson()
    {
        // Puzyrov's example again, written as ChannelAttribution's paths table (header in any case, spaces around ">").
        const string csv = """
            Path,Conversions,Value,Nulls
            google ads,2,200,1
            mailing,1,50,0

            google ads > mailing,1,80,0
            "google ads>mailing",0,,0
            """;
        var (result, journeys) = JourneyCsv.Analyze(new StringReader(csv), ["markov", "last_click"]);
        Assert.Equal(4, journeys);
        Assert.Equal(2.4, result.Models["markov"]["google ads"].Conversions, 6);
        Assert.Equal(1.6, result.Models["markov"]["mailing"].Conversions, 6);
        Assert.Equal(2, result.Models["last_click"]["mailing"].Conversions);
        Assert.Equal(330, result.Totals.Value);
    }

    [Fact]
    public void BadRows_AreNamedByTheirLine()
    {
        const string csv = """
            path,conversions,value,nulls
            instagram,1,10,0
            tiktok,many,10,0
            instagram > email,1,ten,0
            """;
        var e = Assert.Throws<ValidationException>(() => JourneyCsv.Analyze(new StringReader(csv), ["linear"]));
        Assert.Equal(["row 3.conversions", "row 4.value"], e.Errors.Keys.Order(StringComparer.Ordinal));

        // What the analysis refuses is named by the CSV's line too, not by the journey's index.
        var refused = Assert.Throws<ValidationException>(() => JourneyCsv.Analyze(new StringReader("path,conversions\ninstagram,1\n\n,2\n"), ["linear"]));
        Assert.Equal("row 4.path", Assert.Single(refused.Errors.Keys));
    }

    [Theory]
    [InlineData("", "csv")]
    [InlineData("channel,conversions\ninstagram,1\n", "csv.header")]
    [InlineData("path,value\ninstagram,1\n", "csv.header")]
    [InlineData("path,conversions,weight\ninstagram,1,2\n", "csv.header")]
    public void AHeaderWithoutTheColumns_IsRefused_NamingThem(string csv, string field)
    {
        var e = Assert.Throws<ValidationException>(() => JourneyCsv.Read(new StringReader(csv)));
        Assert.True(e.Errors.ContainsKey(field), string.Join(", ", e.Errors.Keys));
    }
}
