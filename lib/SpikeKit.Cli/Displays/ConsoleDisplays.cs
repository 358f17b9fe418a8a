using Spectre.Console;

namespace SpikeKit.Cli.Displays;

/// <summary>
/// The displays the CLI shows on stderr (stdout carries the result lines and tables): live ones when stderr is a terminal
/// that takes ANSI, plain lines otherwise (redirected to a file or pipe, <c>CI</c> set, <c>TERM=dumb</c>).
/// <c>SPIKEKIT_PROGRESS=plain</c> or <c>=live</c> overrides the choice.
/// </summary>
static class ConsoleDisplays
{
    /// <summary>The display for one training run: null when <paramref name="quiet"/>. Make it right before training and
    /// dispose it after (<c>using</c>), also when training throws.</summary>
    /// <param name="label">Names the run, e.g. <c>"[rmp-s1] "</c> or <c>""</c>; prefixes plain lines, names the bar.</param>
    /// <param name="quiet">No progress at all.</param>
    public static RunDisplay? ForRun(string label = "", bool quiet = false)
    {
        if (quiet) return null;
        return TerminalConsole() is { } console
            ? new TerminalRunDisplay(console, label, restoreCursorOnExit: true)
            : new PlainRunDisplay(Console.Error, label);
    }

    /// <summary>The display for a sweep; dispose it after the sweep (<c>using</c>). Quiet: plain finished/FAILED lines and
    /// the summary only, and <see cref="SweepDisplay.ForRun"/> gives null.</summary>
    public static SweepDisplay ForSweep(bool quiet = false)
    {
        if (quiet) return new PlainSweepDisplay(Console.Error, quiet: true);
        return TerminalConsole() is { } console
            ? new TerminalSweepDisplay(console, restoreCursorOnExit: true)
            : new PlainSweepDisplay(Console.Error);
    }

    /// <summary>Whether live displays go to stderr (see the class summary).</summary>
    public static bool StderrIsTerminal => TerminalConsole() is not null;

    /// <summary>A Spectre console on stderr when it is a terminal for live displays, else null.</summary>
    internal static IAnsiConsole? TerminalConsole()
    {
        var forced = Environment.GetEnvironmentVariable("SPIKEKIT_PROGRESS");
        if (string.Equals(forced, "plain", StringComparison.OrdinalIgnoreCase)) return null;
        bool force = string.Equals(forced, "live", StringComparison.OrdinalIgnoreCase);
        if (!force && !Terminal(Console.IsErrorRedirected, Environment.GetEnvironmentVariable("CI"), Environment.GetEnvironmentVariable("TERM"))) return null;
        // Interactive = Yes: Spectre's own guess also looks at stdin, which does not matter for a display on stderr.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Ansi = force ? AnsiSupport.Yes : AnsiSupport.Detect,
            Interactive = InteractionSupport.Yes,
        });
        return console.Profile.Capabilities.Ansi ? console : null;
    }

    /// <summary>The rule without the console: stderr not redirected, not on CI, and a terminal that is not dumb.</summary>
    internal static bool Terminal(bool errorRedirected, string? ci, string? term) =>
        !errorRedirected && string.IsNullOrEmpty(ci) && !string.Equals(term, "dumb", StringComparison.Ordinal);
}
