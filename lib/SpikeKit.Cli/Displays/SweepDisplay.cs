using System.Globalization;
using Spectre.Console;
using Spectre.Console.Rendering;
using SpikeKit.Experiments;
using SpikeKit.Training;

namespace SpikeKit.Cli.Displays;

/// <summary>
/// Progress of a sweep on stderr (<see cref="ISweepProgress"/>): a live table of the running runs in a terminal
/// (<see cref="TerminalSweepDisplay"/>), plain lines in a log (<see cref="PlainSweepDisplay"/>). Dispose it when the sweep
/// ends or throws (<c>using</c>); <see cref="ISweepProgress.SweepFinished"/> already ends a terminal display, so the caller
/// may print its tables to stdout after that call. While it is alive, write other messages with <see cref="WriteLine"/>.
/// </summary>
abstract class SweepDisplay : ISweepProgress, IDisposable
{
    /// <inheritdoc />
    public abstract void SweepStarted(SweepPlan plan, int toRun, int jobs);

    /// <inheritdoc />
    public abstract void RunStarted(PlannedRun run, int epochsDone);

    /// <inheritdoc />
    public abstract void RunProgress(PlannedRun run, int epochsDone, int epochs, double? testAccuracy);

    /// <inheritdoc />
    public abstract void RunCompleted(PlannedRun run, double finalTestAccuracy, double quantizationError, TimeSpan wall);

    /// <inheritdoc />
    public abstract void RunFailed(PlannedRun run, string error, string? logFile);

    /// <inheritdoc />
    public abstract void SweepFinished(int complete, int incomplete);

    /// <summary>Batch-level progress for <paramref name="run"/> trained in this process (sequential sweeps): updates its row in
    /// a terminal, prints <see cref="PlainRunDisplay"/> lines in a log; null when quiet. Ask for it after
    /// <see cref="RunStarted"/>, once per attempt; it needs no disposal.</summary>
    public abstract ITrainingProgress? ForRun(PlannedRun run);

    /// <summary>Prints a line of its own (above the table in a terminal).</summary>
    public abstract void WriteLine(string line);

    /// <summary>Stops the display.</summary>
    public virtual void Dispose() { }
}

/// <summary>Counts of a sweep and its ETA: mean wall time of the runs completed in this session × runs still to finish ÷
/// runs at a time.</summary>
sealed class SweepTally(TimeProvider clock)
{
    readonly List<double> _walls = [];
    long _start = clock.GetTimestamp();

    public string Name { get; private set; } = "";
    public int Planned { get; private set; }
    public int ToRun { get; private set; }
    public int Jobs { get; private set; } = 1;
    /// <summary>Runs that completed or failed in this session.</summary>
    public int Finished { get; private set; }
    public int Failed { get; private set; }
    public TimeSpan Elapsed => clock.GetElapsedTime(_start);

    public void Start(SweepPlan plan, int toRun, int jobs)
    {
        (Name, Planned, ToRun, Jobs, _start) = (plan.Name, plan.Runs.Count, toRun, Math.Max(1, jobs), clock.GetTimestamp());
        (Finished, Failed) = (0, 0);
        _walls.Clear();
    }

    public TimeSpan? Eta => _walls.Count == 0 ? null : TimeSpan.FromSeconds(_walls.Average() * Math.Max(0, ToRun - Finished) / Jobs);

    /// <summary><c>finished [3] id: 90.12% in 35 s  (3/8, ETA 00:02:10)</c></summary>
    public string Completed(PlannedRun run, double accuracy, TimeSpan wall)
    {
        Finished++;
        _walls.Add(wall.TotalSeconds);
        return string.Create(CultureInfo.InvariantCulture,
            $"finished [{run.Index}] {run.Id}: {ProgressText.Percent(accuracy, 2)} in {wall.TotalSeconds:F0} s  ({Finished}/{ToRun}, ETA {ProgressText.Duration(Eta)})");
    }

    /// <summary><c>FAILED   [3] id: error (log: path)</c></summary>
    public string Failure(PlannedRun run, string error, string? logFile)
    {
        Finished++;
        Failed++;
        return $"FAILED   [{run.Index}] {run.Id}: {error}" + (logFile is null ? "" : $" (log: {logFile})");
    }

    /// <summary><c>sweep NAME: 7/8 runs complete, 1 incomplete (1 failed) in 00:12:34</c></summary>
    public string Summary(int complete, int incomplete) =>
        $"sweep {Name}: {complete}/{complete + incomplete} runs complete" + (incomplete > 0 ? $", {incomplete} incomplete" : "") +
        (Failed > 0 ? $" ({Failed} failed)" : "") + $" in {ProgressText.Duration(Elapsed)}";
}

/// <summary>
/// Plain lines for a log or CI, as <c>spikekit sweep --jobs N</c> always printed them:
/// <code>
/// started  [3] id
///          [3] id: epoch 2/10 done  test 85.12%
/// finished [3] id: 90.12% in 35 s  (3/8, ETA 00:02:10)
/// FAILED   [4] id: error (log: path)
/// </code>
/// Runs trained in this process (<see cref="ForRun"/>) print <see cref="PlainRunDisplay"/> lines labelled
/// <c>"         [3] id: "</c> instead of the epoch line. Quiet: only the finished, FAILED and summary lines.
/// <see cref="SweepStarted"/> prints nothing (the command prints its own header with the folders).
/// </summary>
/// <param name="writer">Where the lines go (stderr).</param>
/// <param name="quiet">Only completion lines; <see cref="ForRun"/> returns null.</param>
/// <param name="clock">Time source for the run displays and the summary's wall time.</param>
sealed class PlainSweepDisplay(TextWriter writer, bool quiet = false, TimeProvider? clock = null) : SweepDisplay
{
    readonly TimeProvider _clock = clock ?? TimeProvider.System;
    readonly object _lock = new();
    readonly HashSet<int> _inProcess = [];
    SweepTally? _tally;

    SweepTally Tally => _tally ??= new SweepTally(_clock);

    /// <inheritdoc />
    public override void SweepStarted(SweepPlan plan, int toRun, int jobs) => Tally.Start(plan, toRun, jobs);

    /// <inheritdoc />
    public override void RunStarted(PlannedRun run, int epochsDone)
    {
        if (quiet) return;
        Write($"started  [{run.Index}] {run.Id}" + (epochsDone > 0 ? $" (resuming after epoch {epochsDone}/{run.Config.Epochs})" : ""));
    }

    /// <inheritdoc />
    public override void RunProgress(PlannedRun run, int epochsDone, int epochs, double? testAccuracy)
    {
        if (quiet || _inProcess.Contains(run.Index)) return;
        Write($"         [{run.Index}] {run.Id}: epoch {epochsDone}/{epochs} done" + (testAccuracy is { } a ? $"  test {ProgressText.Percent(a, 2)}" : ""));
    }

    /// <inheritdoc />
    public override void RunCompleted(PlannedRun run, double finalTestAccuracy, double quantizationError, TimeSpan wall)
    {
        _inProcess.Remove(run.Index);
        Write(Tally.Completed(run, finalTestAccuracy, wall));
    }

    /// <inheritdoc />
    public override void RunFailed(PlannedRun run, string error, string? logFile)
    {
        _inProcess.Remove(run.Index);
        Write(Tally.Failure(run, error, logFile));
    }

    /// <inheritdoc />
    public override void SweepFinished(int complete, int incomplete) => Write(Tally.Summary(complete, incomplete));

    /// <inheritdoc />
    public override ITrainingProgress? ForRun(PlannedRun run)
    {
        if (quiet) return null;
        _inProcess.Add(run.Index);
        return new PlainRunDisplay(writer, $"         [{run.Index}] {run.Id}: ", _clock, _lock);
    }

    /// <inheritdoc />
    public override void WriteLine(string line) => Write(line);

    void Write(string line)
    {
        lock (_lock) writer.WriteLine(line);
    }
}

/// <summary>
/// A live table in a terminal (Spectre.Console <see cref="LiveDisplay"/> + <see cref="Table"/>): a header with runs done of
/// those to run, failures, elapsed time and the sweep's ETA, and one row per running run (index, id, progress bar, epoch,
/// running loss and accuracy when the run trains in this process, last test accuracy, elapsed, the run's ETA). Finished and
/// failed runs leave the table and are printed above it as the same lines as <see cref="PlainSweepDisplay"/>'s.
/// </summary>
sealed class TerminalSweepDisplay : SweepDisplay
{
    const int BarWidth = 16;

    readonly IAnsiConsole _console;
    readonly TimeProvider _clock;
    readonly SweepTally _tally;
    readonly LiveLoop _loop;
    readonly CursorGuard? _guard;
    readonly object _lock = new();
    readonly SortedDictionary<int, Row> _running = [];
    bool _started, _finished;

    /// <param name="console">A console with ANSI and <c>Interactive</c> (stderr).</param>
    /// <param name="clock">Time source for elapsed times and ETAs.</param>
    /// <param name="tick">Redraw interval without events; <see cref="Timeout.InfiniteTimeSpan"/> = only on events (tests).</param>
    /// <param name="restoreCursorOnExit">Show the cursor again when the process is interrupted while the table is up.</param>
    public TerminalSweepDisplay(IAnsiConsole console, TimeProvider? clock = null, TimeSpan? tick = null, bool restoreCursorOnExit = false)
    {
        _console = console;
        _clock = clock ?? TimeProvider.System;
        _tally = new SweepTally(_clock);
        if (restoreCursorOnExit) _guard = new CursorGuard();
        var live = new LiveDisplay(console, Text.Empty) { AutoClear = true, Overflow = VerticalOverflow.Ellipsis, Cropping = VerticalOverflowCropping.Bottom };
        _loop = new LiveLoop(console, tick ?? TerminalRunDisplay.DefaultTick, loop => live.Start(ctx => loop(last => ctx.UpdateTarget(last ? Text.Empty : Build()))));
    }

    /// <inheritdoc />
    public override void SweepStarted(SweepPlan plan, int toRun, int jobs)
    {
        lock (_lock)
        {
            _tally.Start(plan, toRun, jobs);
            _started = true;
        }
        _loop.Refresh();
    }

    /// <inheritdoc />
    public override void RunStarted(PlannedRun run, int epochsDone)
    {
        lock (_lock) _running[run.Index] = new Row(run, _clock.GetTimestamp(), epochsDone);
        _loop.Refresh();
    }

    /// <inheritdoc />
    public override void RunProgress(PlannedRun run, int epochsDone, int epochs, double? testAccuracy)
    {
        lock (_lock)
        {
            var row = RowOf(run);
            row.EpochsDone = epochsDone;
            row.Epochs = epochs;
            if (testAccuracy is { } a) row.TestAccuracy = a;
        }
        _loop.Refresh();
    }

    /// <inheritdoc />
    public override void RunCompleted(PlannedRun run, double finalTestAccuracy, double quantizationError, TimeSpan wall)
    {
        string line;
        lock (_lock)
        {
            _running.Remove(run.Index);
            line = _tally.Completed(run, finalTestAccuracy, wall);
        }
        _loop.WriteLine(line, new Style(Color.Green));
    }

    /// <inheritdoc />
    public override void RunFailed(PlannedRun run, string error, string? logFile)
    {
        string line;
        lock (_lock)
        {
            _running.Remove(run.Index);
            line = _tally.Failure(run, error, logFile);
        }
        _loop.WriteLine(line, new Style(Color.Red));
    }

    /// <inheritdoc />
    public override void SweepFinished(int complete, int incomplete)
    {
        string line;
        lock (_lock)
        {
            _finished = true;
            _running.Clear();
            line = _tally.Summary(complete, incomplete);
        }
        _loop.WriteLine(line);
        Dispose();
    }

    /// <inheritdoc />
    public override ITrainingProgress ForRun(PlannedRun run) => new RowProgress(this, run);

    /// <inheritdoc />
    public override void WriteLine(string line) => _loop.WriteLine(line);

    /// <summary>Waits until every line so far is printed and the table shows the state as it is now.</summary>
    internal void Flush() => _loop.Flush();

    /// <inheritdoc />
    public override void Dispose()
    {
        string? interrupted = null;
        lock (_lock)
        {
            if (!_finished && _running.Count > 0)
                interrupted = $"sweep {_tally.Name} stopped with {_running.Count} run(s) in flight: " +
                              string.Join(", ", _running.Values.Select(r => $"[{r.Run.Index}] {r.Run.Id} (epoch {r.Epoch}/{r.Epochs})"));
            _finished = true;
        }
        if (interrupted is not null) _loop.WriteLine(interrupted, new Style(Color.Yellow));
        _loop.Dispose();
        _guard?.Dispose();
    }

    /// <summary>The row of <paramref name="run"/>, made when progress comes before <see cref="RunStarted"/>.</summary>
    Row RowOf(PlannedRun run)
    {
        if (!_running.TryGetValue(run.Index, out var row)) _running[run.Index] = row = new Row(run, _clock.GetTimestamp(), 0);
        return row;
    }

    IRenderable Build()
    {
        lock (_lock)
        {
            if (!_started && _running.Count == 0) return Text.Empty;
            var header = new Markup(
                $"[bold]sweep {Markup.Escape(_tally.Name)}[/]  {_tally.Finished}/{_tally.ToRun} done" +
                (_tally.Failed > 0 ? $", [red]{_tally.Failed} failed[/]" : "") +
                $", {_running.Count} running ({_tally.Jobs} at a time)  elapsed {ProgressText.Duration(_tally.Elapsed)}  ETA [cyan]{ProgressText.Duration(_tally.Eta)}[/]");
            if (_running.Count == 0) return header;
            var table = new Table().Border(TableBorder.Rounded).BorderColor(Color.Grey);
            table.AddColumn(new TableColumn("#").RightAligned());
            table.AddColumn("run");
            table.AddColumn("progress");
            table.AddColumn("epoch");
            table.AddColumn(new TableColumn("loss").RightAligned());
            table.AddColumn(new TableColumn("acc").RightAligned());
            table.AddColumn(new TableColumn("test").RightAligned());
            table.AddColumn("elapsed");
            table.AddColumn("ETA");
            bool unicode = _console.Profile.Capabilities.Unicode;
            foreach (var r in _running.Values)
            {
                var elapsed = _clock.GetElapsedTime(r.Started);
                var b = r.Batch;
                string epoch = b is { } bs
                    ? string.Create(CultureInfo.InvariantCulture, $"{bs.Epoch + 1}/{bs.Epochs} · {bs.Batch + 1}/{bs.Batches}")
                    : string.Create(CultureInfo.InvariantCulture, $"{r.Epoch}/{r.Epochs}");
                table.AddRow(
                    new Text(r.Run.Index.ToString(CultureInfo.InvariantCulture)),
                    new Text(r.Run.Id),
                    new Markup(Bar(r.Fraction, unicode)),
                    new Text(epoch),
                    new Text(b is { } l ? l.Loss.ToString("F4", CultureInfo.InvariantCulture) : "-"),
                    new Text(b is { } c ? ProgressText.Percent(c.Accuracy) : "-"),
                    new Text(r.TestAccuracy is { } t ? ProgressText.Percent(t, 2) : "-"),
                    new Text(ProgressText.Duration(elapsed)),
                    new Text(ProgressText.Duration(b?.Eta ?? r.EpochEta(elapsed))));
            }
            return new Rows(header, table);
        }
    }

    static string Bar(double fraction, bool unicode)
    {
        fraction = Math.Clamp(fraction, 0, 1);
        int done = (int)Math.Round(fraction * BarWidth);
        char c = unicode ? '━' : '#', rest = unicode ? '━' : '-';
        return $"[green]{new string(c, done)}[/][grey]{new string(rest, BarWidth - done)}[/] " + ProgressText.Percent(fraction, 0).PadLeft(4);
    }

    /// <summary>A running run's row (state guarded by the display's lock).</summary>
    sealed class Row(PlannedRun run, long started, int epochsDone)
    {
        public PlannedRun Run { get; } = run;
        public long Started { get; } = started;
        public int StartEpochs { get; } = epochsDone;
        public int EpochsDone { get; set; } = epochsDone;
        public int Epochs { get; set; } = run.Config.Epochs;
        public double? TestAccuracy { get; set; }
        public BatchState? Batch { get; set; }

        /// <summary>The epoch being trained (1-based).</summary>
        public int Epoch => Batch is { } b ? b.Epoch + 1 : Math.Min(EpochsDone + 1, Math.Max(1, Epochs));

        public double Fraction => Batch is { } b ? b.Fraction : Epochs == 0 ? 0 : (double)EpochsDone / Epochs;

        /// <summary>From whole epochs of this attempt: elapsed ÷ epochs done since start × epochs left.</summary>
        public TimeSpan? EpochEta(TimeSpan elapsed) => ProgressText.Eta(elapsed, EpochsDone - StartEpochs, Epochs - EpochsDone);
    }

    /// <summary>Batch-level progress of a run trained in this process: updates its row.</summary>
    sealed class RowProgress(TerminalSweepDisplay display, PlannedRun run) : ITrainingProgress
    {
        readonly BatchTracker _tracker = new(display._clock);

        public void OnBatch(int epoch, int epochs, int batch, int batches, double meanLoss, double accuracy)
        {
            var s = _tracker.Next(epoch, epochs, batch, batches, meanLoss, accuracy);
            lock (display._lock)
            {
                var row = display.RowOf(run);
                row.Batch = s;
                row.Epochs = epochs;
            }
        }

        public void OnEpoch(EpochMetrics metrics, int epochs)
        {
            lock (display._lock)
            {
                var row = display.RowOf(run);
                row.EpochsDone = metrics.Epoch;
                row.Epochs = epochs;
                row.TestAccuracy = metrics.TestAccuracy;
            }
            display._loop.Refresh();
        }
    }
}
