using System.ComponentModel.DataAnnotations;

namespace Pulse.Destinations.Configs;

/// <summary>Section <c>Destinations</c>: what operators may tune about delivery.</summary>
public sealed class DestinationsOptions : IValidatableObject
{
    public const string Section = "Destinations";

    /// <summary>Maps the demo's built-in receivers under /demo-sink (set by <c>pulse demo</c> only).</summary>
    public bool DemoSink { get; set; }

    /// <summary>How long a failing batch is retried before its events go to the dead-letter store (at least 72 hours unless lowered on purpose).</summary>
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(72);

    /// <summary>The first retry's delay; each further one doubles it (with jitter) up to <see cref="RetryMaxDelay"/>.</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>The longest <c>Retry-After</c> a destination can ask for that is honoured as given.</summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How long a destination's circuit stays open after half its recent requests failed.</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Requests in 30 s before the breaker judges the failure ratio.</summary>
    [Range(2, 1000)]
    public int BreakerMinimumThroughput { get; set; } = 10;

    /// <summary>How long one request may take.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Requests one destination may have in flight at once.</summary>
    [Range(1, 64)]
    public int Concurrency { get; set; } = 4;

    /// <summary>Cluster mode: the destinations are spread over the nodes in this many lease partitions.</summary>
    [Range(1, 256)]
    public int Partitions { get; set; } = 16;

    /// <summary>Days the delivery log keeps its rows.</summary>
    [Range(1, 365)]
    public int DeliveryLogDays { get; set; } = 14;

    /// <summary>How often a node looks for new or changed destinations (an edit on this node is seen at once).</summary>
    public TimeSpan RefreshInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the alert watcher looks at each destination (the period its error rate is measured over).</summary>
    public TimeSpan AlertCheckInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Share of failed requests in a check period that raises <c>destinations.errors</c>.</summary>
    [Range(0.01, 1.0)]
    public double AlertErrorRate { get; set; } = 0.5;

    /// <summary>Requests a check period needs before its error rate counts.</summary>
    [Range(1, 100_000)]
    public int AlertMinimumRequests { get; set; } = 3;

    /// <summary>Age of the oldest pending event that raises <c>destinations.backlog</c>.</summary>
    public TimeSpan AlertQueueAge { get; set; } = TimeSpan.FromMinutes(15);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        IEnumerable<ValidationResult> Span(string name, TimeSpan value, TimeSpan min, TimeSpan max)
        {
            if (value < min || value > max)
                yield return new ValidationResult($"{Section}:{name} must be from {min} to {max}; it is {value}.", [name]);
        }
        return Span(nameof(RetryFor), RetryFor, TimeSpan.FromSeconds(1), TimeSpan.FromDays(30))
            .Concat(Span(nameof(RetryBaseDelay), RetryBaseDelay, TimeSpan.FromMilliseconds(10), TimeSpan.FromHours(1)))
            .Concat(Span(nameof(RetryMaxDelay), RetryMaxDelay, RetryBaseDelay, TimeSpan.FromHours(24)))
            .Concat(Span(nameof(MaxRetryAfter), MaxRetryAfter, TimeSpan.Zero, TimeSpan.FromHours(24)))
            .Concat(Span(nameof(BreakDuration), BreakDuration, TimeSpan.FromMilliseconds(500), TimeSpan.FromHours(1)))
            .Concat(Span(nameof(RequestTimeout), RequestTimeout, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(5)))
            .Concat(Span(nameof(RefreshInterval), RefreshInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromMinutes(10)))
            .Concat(Span(nameof(AlertCheckInterval), AlertCheckInterval, TimeSpan.FromMilliseconds(100), TimeSpan.FromHours(1)))
            .Concat(Span(nameof(AlertQueueAge), AlertQueueAge, TimeSpan.FromSeconds(1), TimeSpan.FromDays(7)));
    }
}
