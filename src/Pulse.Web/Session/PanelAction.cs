using Pulse.Platform.Access;

namespace Pulse.Web.Session;

/// <summary>Runs what a person started on a page; a refusal by the services becomes the message to show.</summary>
public static class PanelAction
{
    /// <returns>Null when the action succeeded, else what to tell the person. Other failures propagate.</returns>
    public static async Task<string?> TryAsync(Func<Task> action)
    {
        try
        {
            await action();
            return null;
        }
        catch (Exception e) when (e is ValidationException or ForbiddenException or ConflictException or NotFoundException)
        {
            return e is ValidationException v ? string.Join(" ", v.Errors.SelectMany(x => x.Value)) : e.Message;
        }
    }
}
