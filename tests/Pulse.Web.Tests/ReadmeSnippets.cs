namespace Pulse.Web.Tests;

/// <summary>The pasteable snippets of README.md, verbatim, with only the host and the write key put in.</summary>
internal static class ReadmeSnippets
{
    public const string Host = "https://pulse.example";
    public const string WriteKey = "wk_your_write_key";

    /// <summary>The fenced block after <c>&lt;!-- snippet:NAME …--&gt;</c> in README.md, its placeholders replaced.</summary>
    public static string Get(string name, string host, string writeKey)
    {
        var lines = File.ReadAllLines(Path.Combine(RepoRoot(), "README.md"));
        var marker = Array.FindIndex(lines, l => l.StartsWith("<!-- snippet:" + name + " ", StringComparison.Ordinal) || l == "<!-- snippet:" + name + " -->");
        if (marker < 0 || marker + 1 >= lines.Length || !lines[marker + 1].StartsWith("```", StringComparison.Ordinal))
            throw new InvalidOperationException($"README.md has no fenced block after <!-- snippet:{name} -->.");
        var end = Array.FindIndex(lines, marker + 2, l => l.StartsWith("```", StringComparison.Ordinal));
        var snippet = string.Join('\n', lines[(marker + 2)..end]);
        if (!snippet.Contains(Host, StringComparison.Ordinal) || !snippet.Contains(WriteKey, StringComparison.Ordinal))
            throw new InvalidOperationException($"The README's {name} snippet no longer names {Host} and {WriteKey}; update the test's placeholders.");
        return snippet.Replace(Host, host.TrimEnd('/'), StringComparison.Ordinal).Replace(WriteKey, writeKey, StringComparison.Ordinal);
    }

    public static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pulse.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Pulse.slnx not found above " + AppContext.BaseDirectory);
    }
}
