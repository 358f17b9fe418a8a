using Spectre.Console;
using Spectre.Console.Rendering;
using SpikeKit.Training;

namespace SpikeKit.Cli.Displays;

/// <summary>
/// Progress of one training run on stderr, for <c>Trainer</c>'s <see cref="ITrainingProgress"/>: a live bar in a terminal
/// (<see cref="TerminalRunDisplay"/>), plain lines in a log (<see cref="PlainRunDisplay"/>). Make it right before training
/// starts (its clock starts then) and dispose it when training ends or throws (<c>using</c>): a terminal display stops its
/// bar and shows the cursor again. Write nothing else to stderr or stdout while it is alive; use <see cref="WriteLine"/>.
/// </summary>
abstract class RunDisplay : ITrainingProgress, IDisposable
{
    /// <inheritdoc />
    public abstract void OnBatch(int epoch, int epochs, int batch, int batches, double meanLoss, double accuracy);

    /// <inheritdoc />
    public abstract void OnEpoch(EpochMetrics metrics, int epochs);

    /// <summary>Prints a line of its own (above the bar in a terminal).</summary>
    public abstract void WriteLine(string line);

    /// <summary>Stops the display; the last state stays on screen.</summary>
    public virtual void Dispose() { }
}

/// <summary>
/// Plain lines for a log or CI: after the first batch and each further 20 % of an epoch,
/// <c>LABELepoch 2/10 batch 94/469  loss 0.4123  acc 85.1%  12.3 batch/s  ETA 00:04:10</c>, and after each epoch the epoch
/// line (<see cref="ProgressText.EpochLine"/>). ETA: this session's mean time per batch × batches left.
/// </summary>
/// <param name="writer">Where the lines go (stderr).</param>
/// <param name="label">Prefix of every line, e.g. <c>"[3] rmp-s1: "</c>; a space is added when it does not end in one.</param>
/// <param name="clock">Time source; the ETA's clock starts when the display is made.</param>
/// <param name="writeLock">A lock shared with other writers of <paramref name="writer"/> (a sweep's lines), or null.</param>
sealed class PlainRunDisplay(TextWriter writer, string label = "", TimeProvider? clock = null, object? writeLock = null) : RunDisplay
{
    readonly string _prefix = label.Length == 0 || char.IsWhiteSpace(label[^1]) ? label : label + " ";
    readonly BatchTracker _tracker = new(clock ?? TimeProvider.System);
    readonly object _lock = writeLock ?? new object();
    int _epoch = -1, _fifth = -1;

    /// <inheritdoc />
    public override void OnBatch(int epoch, int epochs, int batch, int batches, double meanLoss, double accuracy)
    {
        var s = _tracker.Next(epoch, epochs, batch, batches, meanLoss, accuracy);
        int fifth = batches <= 0 ? 0 : (int)((long)(batch + 1) * 5 / batches);
        if (epoch == _epoch && fifth == _fifth) return;
        (_epoch, _fifth) = (epoch, fifth);
        Write(_prefix + ProgressText.BatchLine(s));
    }

    /// <inheritdoc />
    public override void OnEpoch(EpochMetrics metrics, int epochs)
    {
        _epoch = -1;
        Write(_prefix + ProgressText.EpochLine(metrics, epochs));
    }

    /// <inheritdoc />
    public override void WriteLine(string line) => Write(line);

    void Write(string line)
    {
        lock (_lock) writer.WriteLine(line);
    }
}

/// <summary>
/// A live bar in a terminal (Spectre.Console <see cref="Spectre.Console.Progress"/>): one bar over all batches of all epochs
/// with percentage, elapsed time and ETA, and below it the current epoch and batch, running loss and accuracy and batches
/// per second; each epoch's line
/// (<see cref="ProgressText.EpochLine"/>) is printed above the bar and stays. The bar is drawn by a thread of its own
/// (<see cref="LiveLoop"/>), so <see cref="OnBatch"/> only records numbers and returns.
/// </summary>
sealed class TerminalRunDisplay : RunDisplay
{
    /// <summary>Redraws per second when no batch arrives (the elapsed clock keeps moving during evaluation).</summary>
    internal static readonly TimeSpan DefaultTick = TimeSpan.FromMilliseconds(200);

    readonly LiveLoop _loop;
    readonly BatchTracker _tracker;
    readonly string _label;
    readonly CursorGuard? _guard;
    readonly object _lock = new();
    BatchState? _latest;   // written by the training thread
    BatchState? _drawn;    // what the columns draw (the display's thread)
    ProgressTask? _task;

    /// <param name="console">A console with ANSI and <c>Interactive</c> (stderr).</param>
    /// <param name="label">The bar's name, e.g. the run id; may be empty.</param>
    /// <param name="clock">Time source for elapsed time and ETA; the clock starts when the display is made.</param>
    /// <param name="tick">Redraw interval without new batches; <see cref="Timeout.InfiniteTimeSpan"/> redraws only on
    /// epochs and <see cref="Flush"/> (tests).</param>
    /// <param name="restoreCursorOnExit">Show the cursor again when the process is interrupted (Ctrl+C) while the bar is up.</param>
    public TerminalRunDisplay(IAnsiConsole console, string label = "", TimeProvider? clock = null, TimeSpan? tick = null, bool restoreCursorOnExit = false)
    {
        clock ??= TimeProvider.System;
        _tracker = new BatchTracker(clock);
        _label = label.TrimEnd();
        // Row 1: name, bar, percentage, elapsed and ETA; row 2 (the render hook): epoch, loss, accuracy, batches/s.
        int bar = Math.Clamp(console.Profile.Width - _label.Length - 34, 10, 40);
        var progress = new Spectre.Console.Progress(console, clock) { AutoRefresh = false, AutoClear = false, HideCompleted = false };
        progress.Columns(
            new TaskDescriptionColumn { Alignment = Justify.Left },
            new ProgressBarColumn { Width = bar },
            new PercentageColumn(),
            new DelegateColumn(Times));
        progress.ExcludeVerticalPadding = true;
        progress.UseRenderHook((tasks, _) => _drawn is null ? tasks : new Rows(tasks, Stats()));
        if (restoreCursorOnExit) _guard = new CursorGuard();
        _loop = new LiveLoop(console, tick ?? DefaultTick, loop => progress.Start(ctx => loop(_ => Redraw(ctx))));
    }

    /// <inheritdoc />
    public override void OnBatch(int epoch, int epochs, int batch, int batches, double meanLoss, double accuracy)
    {
        var s = _tracker.Next(epoch, epochs, batch, batches, meanLoss, accuracy);
        lock (_lock) _latest = s;
    }

    /// <inheritdoc />
    public override void OnEpoch(EpochMetrics metrics, int epochs)
    {
        var prefix = _label.Length > 0 ? _label + " " : "";
        _loop.WriteLine(prefix + ProgressText.EpochLine(metrics, epochs));
    }

    /// <inheritdoc />
    public override void WriteLine(string line) => _loop.WriteLine(line);

    /// <summary>Waits until every line so far is printed and the bar shows the latest batch.</summary>
    internal void Flush() => _loop.Flush();

    /// <inheritdoc />
    public override void Dispose()
    {
        _loop.Dispose();
        _guard?.Dispose();
    }

    void Redraw(ProgressContext ctx)
    {
        BatchState? s;
        lock (_lock) s = _latest;
        _drawn = s;
        if (s is { } state)
        {
            _task ??= ctx.AddTask(_label.Length > 0 ? Markup.Escape(_label) : "training", new ProgressTaskSettings { AutoStart = true, MaxValue = Math.Max(1, state.Total) });
            _task.MaxValue = Math.Max(1, state.Total);
            _task.Value = state.Done;
        }
        ctx.Refresh();
    }

    IRenderable Times() => new Markup(
        $"[blue]{ProgressText.Duration(_tracker.Elapsed)}[/] ETA [cyan]{ProgressText.Duration(_drawn?.Eta)}[/]");

    IRenderable Stats() => _drawn is not { } s
        ? Text.Empty
        : new Text(FormattableString.Invariant(
            $"  epoch {s.Epoch + 1}/{s.Epochs} · batch {s.Batch + 1}/{s.Batches}  loss {s.Loss:F4}  acc {ProgressText.Percent(s.Accuracy)}  {ProgressText.Rate(s)}"));

    /// <summary>A progress column that draws whatever its delegate returns (state kept by the display, not the task).</summary>
    sealed class DelegateColumn(Func<IRenderable> render) : ProgressColumn
    {
        protected override bool NoWrap => true;

        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) => render();
    }
}

/// <summary>While alive, shows the terminal's cursor again if the process is interrupted or exits with a live display up
/// (Spectre hides it while a display runs and shows it when the display ends normally).</summary>
sealed class CursorGuard : IDisposable
{
    public CursorGuard()
    {
        Console.CancelKeyPress += OnCancel;
        AppDomain.CurrentDomain.ProcessExit += OnExit;
    }

    static void Show()
    {
        try { Console.Error.Write("\u001b[?25h"); } catch (IOException) { }
    }

    static void OnCancel(object? sender, ConsoleCancelEventArgs e) => Show();

    static void OnExit(object? sender, EventArgs e) => Show();

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        AppDomain.CurrentDomain.ProcessExit -= OnExit;
    }
}
