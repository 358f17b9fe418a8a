using Spectre.Console.Testing;
using SpikeKit.Cli.Displays;
using SpikeKit.Experiments;
using SpikeKit.Probes;
using SpikeKit.Training;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Tests.Cli;

/// <summary>The CLI's progress displays, driven with fake calls and a fake clock: exact plain lines (ETA, epoch line, sweep
/// counts) and the live displays' rendered text on Spectre's <see cref="TestConsole"/>.</summary>
public class ProgressTests
{
    /// <summary>A clock that moves only when told.</summary>
    sealed class FakeClock : TimeProvider
    {
        long _ticks;
        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
        public override long GetTimestamp() => Interlocked.Read(ref _ticks);
        public override DateTimeOffset GetUtcNow() => new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero).AddTicks(Interlocked.Read(ref _ticks));
        public void Advance(double seconds) => Interlocked.Add(ref _ticks, TimeSpan.FromSeconds(seconds).Ticks);
    }

    static LayerStatistics Layer(string name, double rate, double qe) => new(name, 100, rate, qe, qe * qe, 0.5, 0.4, -1, 2, [1, 2], 0, 0);

    static EpochMetrics Epoch(int epoch, double testAccuracy) => new(
        epoch, 0.1, 0.61234, 0.6, [new RegularizerValue("rmp", 0.01, 0.0421)], 0.7, 0.8, testAccuracy,
        [Layer("l1", 0.2, 0.1), Layer("l2", 0.3, 0.2)], 8.0, 2.0);

    const string EpochOneLine = "epoch 1/2  lr 0.1  loss 0.6123  rmp 0.0421 (λ 0.01)  train 70.00%  test 67.89%  QE 0.1500  rate 0.250  10.0s";

    static PlannedRun Run(int index, string id, int epochs = 4) => new(index, id, new Dictionary<string, string>(), new() { Epochs = epochs });

    static SweepPlan Plan(params PlannedRun[] runs) => new("demo", null, new SweepTable([], [], null), [], runs);

    static string[] Lines(StringWriter w) => w.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.TrimEnd('\r')).ToArray();

    /// <summary>One epoch of <paramref name="batches"/> batches, one second each, accuracy rising 5 points a batch.</summary>
    static void TrainEpoch(ITrainingProgress p, FakeClock clock, int epoch, int epochs, int batches)
    {
        for (int b = 0; b < batches; b++)
        {
            clock.Advance(1);
            p.OnBatch(epoch, epochs, b, batches, 0.5, 0.25 + 0.05 * b);
        }
    }

    [Fact]
    public void PlainRunPrintsFirstBatchEachFifthOfAnEpochAndTheEpochLine()
    {
        var clock = new FakeClock();
        var w = new StringWriter();
        var p = new PlainRunDisplay(w, "[r] ", clock);
        TrainEpoch(p, clock, 0, 2, 10);
        clock.Advance(10);                 // evaluation
        p.OnEpoch(Epoch(1, 0.6789), 2);
        clock.Advance(1);
        p.OnBatch(1, 2, 0, 10, 0.4, 0.8); // 21 s for 11 batches, 9 left: 17.2 s
        Assert.Equal(
        [
            "[r] epoch 1/2 batch 1/10  loss 0.5000  acc 25.0%  1.0 batch/s  ETA 00:00:19",
            "[r] epoch 1/2 batch 2/10  loss 0.5000  acc 30.0%  1.0 batch/s  ETA 00:00:18",
            "[r] epoch 1/2 batch 4/10  loss 0.5000  acc 40.0%  1.0 batch/s  ETA 00:00:16",
            "[r] epoch 1/2 batch 6/10  loss 0.5000  acc 50.0%  1.0 batch/s  ETA 00:00:14",
            "[r] epoch 1/2 batch 8/10  loss 0.5000  acc 60.0%  1.0 batch/s  ETA 00:00:12",
            "[r] epoch 1/2 batch 10/10  loss 0.5000  acc 70.0%  1.0 batch/s  ETA 00:00:10",
            "[r] " + EpochOneLine,
            "[r] epoch 2/2 batch 1/10  loss 0.4000  acc 80.0%  0.5 batch/s  ETA 00:00:17",
        ], Lines(w));
    }

    [Fact]
    public void PlainRunOfAResumedRunCountsOnlyThisSessionsBatches()
    {
        var clock = new FakeClock();
        var w = new StringWriter();
        var p = new PlainRunDisplay(w, "", clock);
        clock.Advance(2);
        p.OnBatch(3, 4, 0, 5, 1.25, 0.5); // epoch 4 of 4 after a resume: 2 s for 1 batch, 4 left
        Assert.Equal(["epoch 4/4 batch 1/5  loss 1.2500  acc 50.0%  0.5 batch/s  ETA 00:00:08"], Lines(w));
    }

    [Fact]
    public void PlainSweepPrintsStartedEpochFinishedAndFailedLinesWithCountsAndEta()
    {
        var clock = new FakeClock();
        var w = new StringWriter();
        PlannedRun a = Run(0, "rmp-s0"), b = Run(1, "base-s1"), c = Run(2, "rmp-s2");
        var d = new PlainSweepDisplay(w, clock: clock);
        d.SweepStarted(Plan(a, b, c), toRun: 3, jobs: 2);
        d.RunStarted(a, 0);
        d.RunStarted(b, 2);
        d.RunProgress(a, 1, 4, 0.5);
        d.RunProgress(b, 3, 4, null);
        d.RunCompleted(a, 0.9012, 0.1, TimeSpan.FromSeconds(35));
        d.RunFailed(b, "spikekit: training diverged", "/r/logs/base-s1.log");
        d.RunStarted(c, 0);
        d.RunCompleted(c, 0.8, 0.1, TimeSpan.FromSeconds(45));
        clock.Advance(100);
        d.SweepFinished(2, 1);
        d.Dispose();
        Assert.Equal(
        [
            "started  [0] rmp-s0",
            "started  [1] base-s1 (resuming after epoch 2/4)",
            "         [0] rmp-s0: epoch 1/4 done  test 50.00%",
            "         [1] base-s1: epoch 3/4 done",
            "finished [0] rmp-s0: 90.12% in 35 s  (1/3, ETA 00:00:35)", // 35 s × 2 left / 2 jobs
            "FAILED   [1] base-s1: spikekit: training diverged (log: /r/logs/base-s1.log)",
            "started  [2] rmp-s2",
            "finished [2] rmp-s2: 80.00% in 45 s  (3/3, ETA 00:00:00)",
            "sweep demo: 2/3 runs complete, 1 incomplete (1 failed) in 00:01:40",
        ], Lines(w));
    }

    [Fact]
    public void PlainSweepEtaIsMeanWallOfCompletedRunsTimesRunsLeftOverJobs()
    {
        var w = new StringWriter();
        var runs = Enumerable.Range(0, 8).Select(i => Run(i, $"r{i}")).ToArray();
        var d = new PlainSweepDisplay(w, quiet: true, clock: new FakeClock());
        d.SweepStarted(Plan(runs), toRun: 8, jobs: 3);
        d.RunCompleted(runs[0], 0.9, 0.1, TimeSpan.FromSeconds(60));
        d.RunCompleted(runs[1], 0.9, 0.1, TimeSpan.FromSeconds(120));
        d.RunFailed(runs[2], "exit code 1", null);
        Assert.Equal(
        [
            "finished [0] r0: 90.00% in 60 s  (1/8, ETA 00:02:20)", // 60 × 7 / 3
            "finished [1] r1: 90.00% in 120 s  (2/8, ETA 00:03:00)", // 90 × 6 / 3
            "FAILED   [2] r2: exit code 1",
        ], Lines(w));
    }

    [Fact]
    public void PlainSweepForRunLabelsBatchLinesAndDropsThatRunsEpochDoneLine()
    {
        var (w, clock) = (new StringWriter(), new FakeClock());
        var a = Run(5, "rmp-s0", epochs: 2);
        var d = new PlainSweepDisplay(w, clock: clock);
        d.SweepStarted(Plan(a), 1, 1);
        d.RunStarted(a, 0);
        var p = d.ForRun(a)!;
        TrainEpoch(p, clock, 0, 2, 2);
        p.OnEpoch(Epoch(1, 0.6789), 2);
        d.RunProgress(a, 1, 2, 0.6789); // already said by the epoch line
        Assert.Equal(
        [
            "started  [5] rmp-s0",
            "         [5] rmp-s0: epoch 1/2 batch 1/2  loss 0.5000  acc 25.0%  1.0 batch/s  ETA 00:00:03",
            "         [5] rmp-s0: epoch 1/2 batch 2/2  loss 0.5000  acc 30.0%  1.0 batch/s  ETA 00:00:02",
            "         [5] rmp-s0: " + EpochOneLine,
        ], Lines(w));
    }

    [Fact]
    public void QuietSweepPrintsOnlyCompletionLinesAndGivesNoRunProgress()
    {
        var w = new StringWriter();
        var a = Run(0, "rmp-s0");
        var d = new PlainSweepDisplay(w, quiet: true, clock: new FakeClock());
        d.SweepStarted(Plan(a), 1, 1);
        d.RunStarted(a, 0);
        Assert.Null(d.ForRun(a));
        d.RunProgress(a, 1, 4, 0.5);
        d.RunCompleted(a, 0.9012, 0.1, TimeSpan.FromSeconds(35));
        d.SweepFinished(1, 0);
        Assert.Equal(["finished [0] rmp-s0: 90.12% in 35 s  (1/1, ETA 00:00:00)", "sweep demo: 1/1 runs complete in 00:00:00"], Lines(w));
    }

    static TestConsole Terminal() => new TestConsole().Interactive().Width(200);

    [Fact]
    public void TerminalSweepShowsARowPerRunningRunAndDropsItWhenItFinishes()
    {
        var clock = new FakeClock();
        using var console = Terminal();
        PlannedRun a = Run(0, "rmp-T4-s0"), b = Run(1, "base-T4-s1"), c = Run(2, "rmp-T4-s2");
        using var d = new TerminalSweepDisplay(console, clock, Timeout.InfiniteTimeSpan);
        d.SweepStarted(Plan(a, b, c), toRun: 3, jobs: 2);
        d.RunStarted(a, 0);
        d.RunStarted(b, 0);
        clock.Advance(30);
        d.RunProgress(a, 2, 4, 0.5);
        var p = d.ForRun(b);
        p.OnBatch(1, 4, 9, 20, 0.4321, 0.875);
        d.Flush();
        var frame = console.Output;
        Assert.Contains("rmp-T4-s0", frame);
        Assert.Contains("base-T4-s1", frame);
        Assert.Contains("2/4 · 10/20", frame);  // b trains epoch 2, batch 10 of 20, in this process
        Assert.Contains("0.4321", frame);
        Assert.Contains("50.00%", frame);       // a's last test accuracy
        Assert.Contains("0/3 done", frame);

        d.RunCompleted(a, 0.9012, 0.1, TimeSpan.FromSeconds(35));
        d.Flush();
        Assert.Contains("finished [0] rmp-T4-s0: 90.12% in 35 s  (1/3, ETA 00:00:35)", console.Output);
        int mark = console.Output.Length;
        d.RunStarted(c, 0);
        d.Flush();
        var after = console.Output[mark..];   // one redraw: the rows still running, nothing else
        Assert.Contains("base-T4-s1", after);
        Assert.Contains("rmp-T4-s2", after);
        Assert.DoesNotContain("rmp-T4-s0", after);
        Assert.Contains("1/3 done", after);
        Assert.Contains("ETA 00:00:35", after);

        d.RunFailed(b, "spikekit: out of memory", null);
        d.RunCompleted(c, 0.8, 0.1, TimeSpan.FromSeconds(45));
        d.SweepFinished(2, 1);
        Assert.Contains("FAILED   [1] base-T4-s1: spikekit: out of memory", console.Output);
        Assert.Contains("sweep demo: 2/3 runs complete, 1 incomplete (1 failed)", console.Output);
    }

    [Fact]
    public void TerminalSweepDisposedMidRunSaysWhichRunsWereInFlightAndShowsTheCursor()
    {
        using var console = Terminal().EmitAnsiSequences();
        var a = Run(0, "rmp-T4-s0");
        try
        {
            using var d = new TerminalSweepDisplay(console, new FakeClock(), Timeout.InfiniteTimeSpan);
            d.SweepStarted(Plan(a), 1, 1);
            d.RunStarted(a, 1);
            throw new InvalidOperationException("training failed");
        }
        catch (InvalidOperationException) { }
        var output = console.Output;
        Assert.Contains("stopped with 1 run(s) in flight: [0] rmp-T4-s0 (epoch 2/4)", output);
        Assert.True(output.LastIndexOf("\u001b[?25h", StringComparison.Ordinal) > output.LastIndexOf("\u001b[?25l", StringComparison.Ordinal), "cursor shown again");
    }

    [Fact]
    public void TerminalRunShowsBarStatsAndKeepsEpochLines()
    {
        var clock = new FakeClock();
        using var console = Terminal();
        using (var d = new TerminalRunDisplay(console, "rmp-s0", clock, Timeout.InfiniteTimeSpan))
        {
            TrainEpoch(d, clock, 0, 2, 10);
            d.Flush();
            var frame = console.Output;
            Assert.Contains("rmp-s0", frame);
            Assert.Contains("50%", frame);  // 10 of 20 batches
            Assert.Contains("epoch 1/2 · batch 10/10  loss 0.5000  acc 70.0%  1.0 batch/s", frame);
            Assert.Contains("ETA 00:00:10", frame);
            d.OnEpoch(Epoch(1, 0.6789), 2);
            d.Flush();
            Assert.Contains("rmp-s0 " + EpochOneLine, console.Output);
        }
        Assert.Contains("rmp-s0 " + EpochOneLine, console.Output);
    }

    [Fact]
    public void TerminalRunWithoutALabelStillDrawsItsBar()
    {
        // spikekit train has no label, and Spectre refuses a task without a name: "training" stands in.
        using var console = Terminal();
        var output = OneEpochOnTheTerminal(console, label: "", batches: 4);
        Assert.Contains("training", output);
        Assert.Contains("100%", output);
    }

    static string OneEpochOnTheTerminal(TestConsole console, string label, int batches)
    {
        var clock = new FakeClock();
        using var display = new TerminalRunDisplay(console, label, clock, Timeout.InfiniteTimeSpan);
        TrainEpoch(display, clock, 0, 1, batches);
        display.Flush();
        return console.Output;
    }

    [Fact]
    public void TerminalRunRestoresTheCursorWhenTrainingThrows()
    {
        using var console = Terminal().EmitAnsiSequences();
        var clock = new FakeClock();
        Assert.Throws<InvalidOperationException>((Action)(() =>
        {
            using var d = new TerminalRunDisplay(console, "x", clock, Timeout.InfiniteTimeSpan);
            TrainEpoch(d, clock, 0, 3, 4);
            throw new InvalidOperationException("diverged");
        }));
        var output = console.Output;
        Assert.Contains("\u001b[?25l", output);
        Assert.True(output.LastIndexOf("\u001b[?25h", StringComparison.Ordinal) > output.LastIndexOf("\u001b[?25l", StringComparison.Ordinal), "cursor shown again");
    }

    [Theory]
    [InlineData(false, null, "xterm-256color", true)]
    [InlineData(true, null, "xterm-256color", false)]  // stderr to a file or pipe
    [InlineData(false, "true", "xterm", false)]        // CI
    [InlineData(false, null, "dumb", false)]
    public void LiveDisplaysOnlyOnATerminal(bool redirected, string? ci, string? term, bool live) =>
        Assert.Equal(live, ConsoleDisplays.Terminal(redirected, ci, term));

    [Fact]
    public void LinesAboveALiveDisplayAreSplitIntoRowsThatFitTheTerminal() =>
        Assert.Equal(["epoch 1/2  lr 0.1", "  loss 0.6123", "  test 67.89%", "next"],
            LiveLoop.Rows("epoch 1/2  lr 0.1  loss 0.6123  test 67.89%\nnext", 18));

    [Fact]
    public void DurationsPastADayKeepTheirHours()
    {
        Assert.Equal("25:01:05", ProgressText.Duration(TimeSpan.FromSeconds(25 * 3600 + 65)));
        Assert.Equal("--:--:--", ProgressText.Duration(null));
    }
}
