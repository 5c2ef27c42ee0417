using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Platform.Tests.Http;

public sealed class ExceptionMappingTests
{
    [Fact]
    public async Task AnUnavailableException_Becomes503WithRetryAfter_AndAProblemNamingTheReason()
    {
        using var services = new ServiceCollection().AddLogging().AddProblemDetails().BuildServiceProvider();
        var handler = new PulseExceptionHandler(services.GetRequiredService<IProblemDetailsService>(), NullLogger<PulseExceptionHandler>.Instance);
        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Headers.Accept = "application/json";
        var body = new MemoryStream();
        context.Response.Body = body;

        Assert.True(await handler.TryHandleAsync(context, new UnavailableException("The event store is 12 events behind.", 60), CancellationToken.None));

        Assert.Equal(503, context.Response.StatusCode);
        Assert.Equal("60", context.Response.Headers.RetryAfter.ToString());
        var text = System.Text.Encoding.UTF8.GetString(body.ToArray());
        Assert.Contains("12 events behind", text, StringComparison.Ordinal);
        Assert.Contains(ProblemTypes.Unavailable, text, StringComparison.Ordinal);
    }
}
