using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pulse.Platform.Audit;

/// <summary>The hash of one audit entry: SHA-256 over its fields and the previous entry's hash.</summary>
internal static class AuditHasher
{
    /// <summary>The previous hash of the first entry.</summary>
    public const string Genesis = "0000000000000000000000000000000000000000000000000000000000000000";

    private const char Separator = '\u001f';

    public static string Compute(AuditEntry e)
    {
        var sb = new StringBuilder(256);
        Append(sb, e.Id.ToString(CultureInfo.InvariantCulture));
        Append(sb, e.WorkspaceId?.ToString("N"));
        Append(sb, e.SubjectUserId?.ToString("N"));
        Append(sb, e.ActorKind);
        Append(sb, e.ActorId);
        Append(sb, e.ActorName);
        Append(sb, e.Action);
        Append(sb, e.TargetType);
        Append(sb, e.TargetId);
        Append(sb, e.Before);
        Append(sb, e.After);
        Append(sb, e.Ip);
        Append(sb, e.UserAgent);
        Append(sb, e.OccurredAt.ToUnixTimeMilliseconds().ToString(CultureInfo.InvariantCulture));
        sb.Append(e.PrevHash);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sb.ToString())));
    }

    private static void Append(StringBuilder sb, string? value)
    {
        // Length-prefixed so that moving characters between neighbouring fields changes the hash.
        if (value is null)
        {
            sb.Append('-').Append(Separator);
            return;
        }
        sb.Append(value.Length.ToString(CultureInfo.InvariantCulture)).Append(':').Append(value).Append(Separator);
    }
}
