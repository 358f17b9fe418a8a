using Spectre.Console;
using Spectre.Console.Rendering;

namespace SpikeKit.Cli.Displays;

/// <summary>
/// Runs one Spectre live display (a <see cref="Spectre.Console.Progress"/> or a <see cref="LiveDisplay"/>, whose <c>Start</c>
/// wants a callback that lasts as long as the display) on a thread of its own, so that a push-style caller (the trainer's
/// <see cref="Training.ITrainingProgress"/>, a sweep's <see cref="Experiments.ISweepProgress"/>) never blocks on the terminal.
/// Every write to the console goes through that thread: lines queued with <see cref="WriteLine"/> are printed above the live
/// part, which is redrawn after them, on <see cref="Refresh"/>, and every <c>tick</c>. (Writing to a console from a second
/// thread while a live display refreshes can deadlock in Spectre: the display's lock and the console's render lock are taken
/// in opposite orders.)
/// </summary>
sealed class LiveLoop : IDisposable
{
    /// <summary>How long <see cref="Dispose"/> waits for the display to finish its last frame.</summary>
    static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(5);

    readonly IAnsiConsole _console;
    readonly TimeSpan _tick;
    readonly Thread _thread;
    readonly object _gate = new();
    readonly Queue<(string Text, Style? Style)> _lines = new();
    long _requested, _served;
    bool _stopping, _ended;

    /// <summary>Starts the display: <paramref name="host"/> starts a Spectre display on <paramref name="console"/> and, inside
    /// its callback, calls the loop it is given with that display's redraw (its argument says whether it is the last).</summary>
    /// <param name="console">The console the display and the queued lines go to.</param>
    /// <param name="tick">How often the live part is redrawn without being asked (for clocks); infinite = only when asked.</param>
    /// <param name="host">E.g. <c>loop => live.Start(ctx => loop(last => ctx.UpdateTarget(Build())))</c>.</param>
    public LiveLoop(IAnsiConsole console, TimeSpan tick, Action<Action<Action<bool>>> host)
    {
        _console = console;
        _tick = tick;
        _thread = new Thread(() => Host(host)) { IsBackground = true, Name = "spikekit progress" };
        _thread.Start();
    }

    /// <summary>Why the display stopped early (it threw), or null.</summary>
    public Exception? Error { get; private set; }

    /// <summary>Prints <paramref name="text"/> above the live part (soon, from the display's thread), in
    /// <paramref name="style"/>. Once the display has ended, prints it at once.</summary>
    public void WriteLine(string text, Style? style = null)
    {
        lock (_gate)
        {
            if (_ended) { _console.Write(new Text(text + "\n", style)); return; }
            _lines.Enqueue((text, style));
            _requested++;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Asks for a redraw soon, without waiting for it.</summary>
    public void Refresh()
    {
        lock (_gate)
        {
            _requested++;
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>Waits until every line queued so far is printed and the live part redrawn from the state as it is now
    /// (tests use it to read the output deterministically).</summary>
    public void Flush()
    {
        lock (_gate)
        {
            long wanted = ++_requested;
            Monitor.PulseAll(_gate);
            while (_served < wanted && !_ended) Monitor.Wait(_gate);
        }
    }

    /// <summary>Prints what is queued, draws the last frame, ends the Spectre display (which shows the cursor again) and
    /// waits for it (at most a few seconds). Safe to call twice.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_stopping) return;
            _stopping = true;
            _requested++;
            Monitor.PulseAll(_gate);
        }
        if (Thread.CurrentThread != _thread) _thread.Join(StopTimeout);
    }

    void Host(Action<Action<Action<bool>>> host)
    {
        try { host(Loop); }
        catch (Exception e) { Error = e; }
        finally
        {
            List<(string Text, Style? Style)> left;
            lock (_gate)
            {
                _ended = true;
                left = [.. _lines];
                _lines.Clear();
                Monitor.PulseAll(_gate);
            }
            try
            {
                if (Error is not null) _console.Write(new Text($"spikekit: progress display failed ({Error.GetType().Name}: {Error.Message.Split('\n')[0]}); continuing without it\n"));
                foreach (var (text, style) in left) _console.Write(new Text(text + "\n", style));
            }
            catch (IOException) { }
        }
    }

    /// <summary>Prints a line above the live part one terminal row at a time, each row cleared to its end. Spectre 0.57
    /// redraws a live display by moving the cursor up over it and overwriting it without erasing, so a shorter line
    /// written there keeps the rest of the old frame, and a line that wraps lets the next frame land over its last row.
    /// Hence the line is split at newlines and wrapped at spaces to the console's width here, and each row ends with
    /// "erase to end of line".</summary>
    void Print(string text, Style? style)
    {
        foreach (var row in Rows(text, Math.Max(20, _console.Profile.Width - 1)))
            _console.Write(new ClearedRow(row, style));
    }

    /// <summary>One terminal row of text, then (with ANSI) erase to the end of the row, then a line break.</summary>
    sealed class ClearedRow(string text, Style? style) : Renderable
    {
        protected override IEnumerable<Segment> Render(RenderOptions options, int maxWidth)
        {
            yield return new Segment(text, style ?? Style.Plain);
            if (options.Ansi) yield return Segment.Control("\u001b[K");
            yield return Segment.LineBreak;
        }
    }

    /// <summary><paramref name="text"/> split at newlines and wrapped at spaces to at most <paramref name="width"/> characters
    /// a row, rows after the first indented by two spaces (a longer word is cut); <paramref name="width"/> at least 3.</summary>
    internal static IEnumerable<string> Rows(string text, int width)
    {
        foreach (var line in text.Replace("\r", "", StringComparison.Ordinal).Split('\n'))
        {
            // Rows after the first are indented by two spaces, so a wrapped line reads as one.
            var rest = line.TrimEnd();
            var indent = "";
            while (indent.Length + rest.Length > width)
            {
                int room = width - indent.Length, cut = rest.LastIndexOf(' ', room);
                if (cut <= 0) cut = room;
                yield return indent + rest[..cut].TrimEnd();
                rest = rest[cut..].TrimStart();
                indent = "  ";
            }
            yield return indent + rest;
        }
    }

    void Loop(Action<bool> redraw)
    {
        while (true)
        {
            List<(string Text, Style? Style)> lines;
            long generation;
            bool last;
            lock (_gate)
            {
                if (!_stopping && _requested == _served) Monitor.Wait(_gate, _tick);
                lines = [.. _lines];
                _lines.Clear();
                generation = _requested;
                last = _stopping;
            }
            foreach (var (text, style) in lines) Print(text, style);
            redraw(last);
            lock (_gate)
            {
                _served = generation;
                Monitor.PulseAll(_gate);
            }
            if (last) return;
        }
    }
}
