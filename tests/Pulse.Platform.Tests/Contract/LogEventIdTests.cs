using System.Reflection;
using Microsoft.Extensions.Logging;
using Pulse.Hosting;

namespace Pulse.Platform.Tests.Contract;

/// <summary>
/// Operators filter and alert on log event ids, so each log event of every Pulse assembly (the
/// host and every module it composes) has an id of its own, in its module's thousand.
/// </summary>
public sealed class LogEventIdTests
{
    /// <summary>The thousand each assembly's ids lie in (docs/architecture.md); a new module takes the next free one.</summary>
    private static readonly Dictionary<string, int> Thousands = new(StringComparer.Ordinal)
    {
        ["pulse"] = 0, // the host (its assembly is named after the command)
        ["Pulse.Platform"] = 1,
        ["Pulse.Collect"] = 2,
        ["Pulse.Destinations"] = 3,
        ["Pulse.Influence"] = 4,
    };

    private sealed record LogEvent(string Assembly, string Name, int Id);

    [Fact]
    public void EveryLogEvent_NamesItsId()
    {
        var unnamed = Events().Where(e => e.Id < 0).Select(e => e.Name).ToList();
        Assert.True(unnamed.Count == 0, "These [LoggerMessage] methods have no EventId: " + string.Join(", ", unnamed));
    }

    [Fact]
    public void NoTwoLogEvents_ShareAnId()
    {
        var shared = Events().Where(e => e.Id >= 0).GroupBy(e => e.Id).Where(g => g.Count() > 1)
            .Select(g => $"{g.Key}: {string.Join(", ", g.Select(e => e.Name))}").ToList();
        Assert.True(shared.Count == 0, "Event ids used more than once: " + string.Join("; ", shared));
    }

    [Fact]
    public void EachAssembly_LogsInItsOwnThousand()
    {
        var events = Events().Where(e => e.Id >= 0).ToList();
        Assert.NotEmpty(events);
        var wrong = new List<string>();
        foreach (var assembly in events.GroupBy(e => e.Assembly))
        {
            var thousands = assembly.Select(e => e.Id / 1000).Distinct().ToList();
            if (Thousands.TryGetValue(assembly.Key, out var expected))
                wrong.AddRange(assembly.Where(e => e.Id / 1000 != expected).Select(e => $"{e.Name} = {e.Id} (outside {expected * 1000}–{expected * 1000 + 999})"));
            else if (thousands.Count > 1 || Thousands.ContainsValue(thousands[0]))
                wrong.Add($"{assembly.Key} logs in {string.Join(", ", thousands.Select(t => t * 1000))}: a new module takes one free thousand of its own");
        }
        var sharedThousands = events.GroupBy(e => e.Id / 1000).Where(g => g.Select(e => e.Assembly).Distinct().Count() > 1)
            .Select(g => $"{g.Key * 1000}s are used by {string.Join(" and ", g.Select(e => e.Assembly).Distinct())}");
        wrong.AddRange(sharedThousands);
        Assert.True(wrong.Count == 0, string.Join("; ", wrong));
    }

    /// <summary>Every <c>[LoggerMessage]</c> method and every static <see cref="EventId"/> field of the host and the Pulse assemblies it references.</summary>
    private static List<LogEvent> Events()
    {
        var found = new List<LogEvent>();
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var assembly in PulseAssemblies())
        {
            var name = assembly.GetName().Name!;
            foreach (var type in assembly.GetTypes())
            {
                foreach (var method in type.GetMethods(all))
                {
                    if (method.GetCustomAttribute<LoggerMessageAttribute>() is { } attribute)
                        found.Add(new LogEvent(name, $"{type.FullName}.{method.Name}", attribute.EventId));
                }
                foreach (var field in type.GetFields(all))
                {
                    if (field.IsStatic && field.FieldType == typeof(EventId) && field.GetValue(null) is EventId id)
                        found.Add(new LogEvent(name, $"{type.FullName}.{field.Name}", id.Id));
                }
            }
        }
        return found;
    }

    /// <summary>The host and, through its references, every Pulse assembly it composes (a new module is found without changing this test).</summary>
    private static List<Assembly> PulseAssemblies()
    {
        var seen = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        var todo = new Stack<Assembly>([typeof(PulseHost).Assembly]);
        while (todo.TryPop(out var assembly))
        {
            if (!seen.TryAdd(assembly.GetName().Name!, assembly))
                continue;
            foreach (var reference in assembly.GetReferencedAssemblies())
            {
                if (reference.Name is { } n && n.StartsWith("Pulse.", StringComparison.Ordinal) && !seen.ContainsKey(n))
                    todo.Push(Assembly.Load(reference));
            }
        }
        return [.. seen.Values];
    }
}
