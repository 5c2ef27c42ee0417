using System.Text;
using Pulse.Platform.Webhooks;

namespace Pulse.Platform.Tests.Webhooks;

/// <summary>The Pulse-Signature header of every webhook Pulse sends (alerts, destinations).</summary>
public sealed class WebhookSignatureTests
{
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"order.completed"}""");
    private static readonly DateTimeOffset At = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000);

    [Fact]
    public void Sign_IsTheHexHmacOfTimestampDotBody_AsStripeSigns()
    {
        // Checked independently: printf '1700000000.{…}' | openssl dgst -sha256 -hmac whsec_test_secret
        Assert.Equal("t=1700000000,v1=fab5d4e1b80a476d25d1e056dd64cd3de69eeb7966ef41e9800a8a0c2d7e1382",
            WebhookSignature.Sign(Body, At, ["whsec_test_secret"]));
    }

    [Fact]
    public void DuringRotation_BothSecretsSign_AndAReceiverWithEitherAccepts()
    {
        var header = WebhookSignature.Sign(Body, At, ["whsec_new", "whsec_old"]);
        Assert.Equal(2, header.Split(",v1=").Length - 1);
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(header, Body, "whsec_new", At.AddSeconds(30)));
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(header, Body, "whsec_old", At.AddSeconds(30)));
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(header, Body, "whsec_other", At.AddSeconds(30)));
    }

    [Fact]
    public void Verify_RefusesAChangedBody_AReplay_AndMalformedHeaders()
    {
        var header = WebhookSignature.Sign(Body, At, ["whsec_s"]);
        var changed = Encoding.UTF8.GetBytes("""{"id":"evt_1","type":"order.refunded"}""");
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(header, changed, "whsec_s", At));
        Assert.Equal(SignatureCheck.OutsideTolerance, WebhookSignature.Verify(header, Body, "whsec_s", At.AddMinutes(6)));
        Assert.Equal(SignatureCheck.OutsideTolerance, WebhookSignature.Verify(header, Body, "whsec_s", At.AddMinutes(-6)));
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(header, Body, "whsec_s", At.AddMinutes(6), TimeSpan.FromMinutes(10)));
        // A forged timestamp does not carry the old signature over.
        var forged = header.Replace("t=1700000000", "t=1700000300", StringComparison.Ordinal);
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(forged, Body, "whsec_s", At.AddMinutes(5)));
        Assert.Equal(SignatureCheck.Malformed, WebhookSignature.Verify(null, Body, "whsec_s", At));
        Assert.Equal(SignatureCheck.Malformed, WebhookSignature.Verify("v1=abc", Body, "whsec_s", At));
        Assert.Equal(SignatureCheck.Malformed, WebhookSignature.Verify("t=soon,v1=abc", Body, "whsec_s", At));
        Assert.Equal(SignatureCheck.NoSignature, WebhookSignature.Verify("t=1700000000,v0=abc", Body, "whsec_s", At));
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify("t=1700000000,v1=zz", Body, "whsec_s", At));
    }

    [Fact]
    public void NewSecret_IsPrefixed_AndDifferentEachTime()
    {
        var a = WebhookSignature.NewSecret();
        Assert.StartsWith("whsec_", a, StringComparison.Ordinal);
        Assert.Equal(6 + 64, a.Length);
        Assert.NotEqual(a, WebhookSignature.NewSecret());
    }
}
