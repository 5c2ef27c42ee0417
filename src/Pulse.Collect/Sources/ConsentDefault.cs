namespace Pulse.Collect.Sources;

/// <summary>What Pulse assumes for an event that carries no consent preferences.</summary>
public enum ConsentDefault
{
    Allow,
    Deny,
}
