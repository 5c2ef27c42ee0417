using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Pulse.Platform.Access;

namespace Pulse.Platform.Http;

/// <summary>Turns every exception that reaches the pipeline into problem details; nothing leaks a stack trace.</summary>
internal sealed partial class PulseExceptionHandler(IProblemDetailsService problems, ILogger<PulseExceptionHandler> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken ct)
    {
        ProblemDetails problem = exception switch
        {
            ValidationException v => new HttpValidationProblemDetails(v.Errors)
            {
                Status = 400, Type = ProblemTypes.Validation, Title = "The request has invalid fields.", Detail = v.Message,
            },
            BadHttpRequestException b => FromBadRequest(b),
            ForbiddenException f => new ProblemDetails { Status = 403, Type = ProblemTypes.Forbidden, Title = "Forbidden", Detail = f.Message },
            NotFoundException n => new ProblemDetails { Status = 404, Type = ProblemTypes.NotFound, Title = "Not found", Detail = n.Message },
            ConflictException c => new ProblemDetails { Status = 409, Type = ProblemTypes.Conflict, Title = "Conflict", Detail = c.Message },
            UnavailableException u => new ProblemDetails { Status = 503, Type = ProblemTypes.Unavailable, Title = "Temporarily unavailable", Detail = u.Message },
            _ when Storage.PostgresStore.IsOutage(exception) => new ProblemDetails
            {
                Status = 503, Type = ProblemTypes.Unavailable, Title = "Temporarily unavailable", Detail = "The database cannot be reached just now; retry shortly.",
            },
            OperationCanceledException when context.RequestAborted.IsCancellationRequested =>
                new ProblemDetails { Status = 499, Type = ProblemTypes.BadRequest, Title = "Client closed the request" },
            _ => new ProblemDetails { Status = 500, Type = ProblemTypes.Internal, Title = "Internal error", Detail = "The server failed; the error is logged with this request's traceId." },
        };
        if (problem.Status == 500)
            LogUnhandled(log, exception, context.Request.Method, context.Request.Path);
        if (context.Response.HasStarted)
            return true;
        context.Response.StatusCode = problem.Status ?? 500;
        if (exception is UnavailableException unavailable)
            context.Response.Headers.RetryAfter = unavailable.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        else if (problem.Status == 503)
            context.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem, Exception = exception });
    }

    private static ProblemDetails FromBadRequest(BadHttpRequestException b)
    {
        if (b.InnerException is JsonException json)
        {
            var field = FieldOf(json.Path);
            var reason = json.Message.Split(" Path:", 2)[0];
            if (json.Message.Contains("could not be mapped", StringComparison.Ordinal))
                reason = "This field is not part of the request schema.";
            return new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [reason] })
            {
                Status = 400, Type = ProblemTypes.Validation, Title = "The request body is not valid JSON for this operation.",
                Detail = $"{field}: {reason}",
            };
        }
        var status = b.StatusCode is >= 400 and < 500 ? b.StatusCode : 400;
        return new ProblemDetails { Status = status, Type = ProblemTypes.ForStatus(status), Title = "Bad request", Detail = b.Message };
    }

    /// <summary><c>$.role</c> → <c>role</c>; <c>$.items[2].name</c> → <c>items[2].name</c>; no path → <c>body</c>.</summary>
    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');

    [LoggerMessage(EventId = 1000, Level = LogLevel.Error, Message = "Unhandled error on {Method} {Path}")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string method, string path);
}
