namespace Pulse.Platform.Access;

/// <summary>Small checks shared by services, each naming the field it checks.</summary>
public static class Validate
{
    public static string Name(string field, string? value, int maxLength = 100)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
            throw new ValidationException(field, $"{field} is required.");
        if (v.Length > maxLength)
            throw new ValidationException(field, $"{field} must be at most {maxLength} characters.");
        foreach (var c in v)
        {
            if (char.IsControl(c))
                throw new ValidationException(field, $"{field} must not contain control characters.");
        }
        return v;
    }

    public static string Email(string field, string? value)
    {
        var v = value?.Trim();
        if (string.IsNullOrEmpty(v))
            throw new ValidationException(field, $"{field} is required.");
        if (v.Length > 254 || !System.Net.Mail.MailAddress.TryCreate(v, out var parsed) || parsed.Address != v)
            throw new ValidationException(field, $"{field} must be an e-mail address such as anna@example.com.");
        return v;
    }

    public static WorkspaceRole Role(string field, string? value)
    {
        if (value is not null && Enum.TryParse<WorkspaceRole>(value, ignoreCase: true, out var role)
            && Enum.IsDefined(role) && !int.TryParse(value, out _))
            return role;
        throw new ValidationException(field, $"{field} must be one of {string.Join(", ", Enum.GetNames<WorkspaceRole>())}.");
    }
}
