namespace Pulse.Platform.Alerts;

public enum AlertSeverity
{
    Info = 1,
    Warning = 2,
    Critical = 3,
}
