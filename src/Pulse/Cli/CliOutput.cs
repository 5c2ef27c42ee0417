using Spectre.Console;

namespace Pulse.Cli;

internal static class CliOutput
{
    /// <summary>A secret alone on standard output, so that <c>X=$(pulse …)</c> captures exactly it.</summary>
    public static void Secret(string secret) => Console.Out.WriteLine(secret);

    public static void Info(string message) => Console.Error.WriteLine(message);

    public static void Ok(string message) => CliContext.Messages.MarkupLineInterpolated($"[green]{message}[/]");

    /// <summary>
    /// A table of results on standard output (plain when output is not a terminal), or on standard
    /// error when <paramref name="summary"/> (standard output then holds the command's data).
    /// </summary>
    public static void Table(string[] headers, IEnumerable<string?[]> rows, bool summary = false)
    {
        var redirected = summary ? Console.IsErrorRedirected : Console.IsOutputRedirected;
        var table = new Table().Border(redirected ? TableBorder.Ascii : TableBorder.Rounded);
        foreach (var h in headers)
            table.AddColumn(new TableColumn(Markup.Escape(h)));
        foreach (var row in rows)
            table.AddRow(row.Select(c => new Text(c ?? "")).ToArray());
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(summary ? Console.Error : Console.Out) });
        if (redirected)
            console.Profile.Width = 240;
        console.Write(table);
    }

    public static string When(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) ?? "";
}
