namespace Pulse.Platform.Http;

/// <summary>Stable <c>type</c> values of Pulse's problem details (RFC 9457); clients may switch on them.</summary>
public static class ProblemTypes
{
    public const string Base = "https://pulse.invalid/problems/";
    public const string Unavailable = Base + "unavailable";
    public const string Validation = Base + "validation";
    public const string BadRequest = Base + "bad-request";
    public const string Unauthorized = Base + "unauthorized";
    public const string Forbidden = Base + "forbidden";
    public const string NotFound = Base + "not-found";
    public const string MethodNotAllowed = Base + "method-not-allowed";
    public const string Conflict = Base + "conflict";
    public const string PayloadTooLarge = Base + "payload-too-large";
    public const string UnsupportedMediaType = Base + "unsupported-media-type";
    public const string TooManyRequests = Base + "too-many-requests";
    public const string Internal = Base + "internal";

    public static string ForStatus(int status) => status switch
    {
        400 => BadRequest,
        401 => Unauthorized,
        403 => Forbidden,
        404 => NotFound,
        405 => MethodNotAllowed,
        409 => Conflict,
        413 => PayloadTooLarge,
        415 => UnsupportedMediaType,
        429 => TooManyRequests,
        503 => Unavailable,
        _ => status >= 500 ? Internal : BadRequest,
    };
}
