using Deedle;
using SpikeKit.Experiments;
using SpikeKit.Reporting.Frames;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Reporting.Tests;

/// <summary>Result folders as frames: shapes, values, summaries across seeds and the difference to baseline.</summary>
public class FrameTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-frames-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LoadsEveryRunOfAnAblationFolder()
    {
        ResultFolder.WriteAblation(_dir);
        var rs = ResultSet.Load(_dir);
        Assert.Equal(["baseline", "rmp"], rs.Variants);
        Assert.Equal(4, rs.Runs.Count);
        Assert.Equal([0L, 1L, 0L, 1L], rs.Runs.Select(r => r.Seed));
        Assert.All(rs.Runs, r => Assert.True(r.Completed));
        Assert.False(rs.IsSingleRun);
    }

    [Fact]
    public void MetricsFrameStacksEpochsOfAllRuns()
    {
        ResultFolder.WriteAblation(_dir);
        var m = ResultSet.Load(_dir).Metrics;
        Assert.Equal(8, m.RowCount);                                   // 4 runs × 2 epochs
        Assert.Equal(["variant", "seed", "epoch", "lr", "train_loss", "train_task_loss", "train_acc", "test_loss", "test_acc",
            "mean_quantization_error", "mean_firing_rate", "synaptic_ops", "energy_uj", "ann_energy_uj", "rmp_lambda", "rmp_value"], m.ColumnKeys);
        Assert.Equal(new[] { 1, 2, 1, 2, 1, 2, 1, 2 }, m.GetColumn<int>("epoch").Values);
        Assert.Equal(new[] { 0.70, 0.80, 0.72, 0.84, 0.75, 0.82, 0.74, 0.82 }, m.GetColumn<double>("test_acc").Values);
        var rmp = m.GetColumn<double>("rmp_value");
        Assert.Equal(4, rmp.ValueCount);                               // missing for the baseline rows
        Assert.False(rmp.TryGet(0).HasValue);
        Assert.Equal(0.04, rmp.Get(4), 12);
        Assert.Equal("rmp", m.GetColumn<string>("variant").Get(7));
        // The mean QE column is the mean over the two layers (qe and 2·qe).
        Assert.Equal(0.18, m.GetColumn<double>("mean_quantization_error").Get(1), 12);
    }

    [Fact]
    public void LayersAndHistogramsFrames()
    {
        ResultFolder.WriteAblation(_dir);
        var rs = ResultSet.Load(_dir);
        var l = rs.Layers;
        Assert.Equal(4 * 2 * 2, l.RowCount);                           // runs × epochs × layers
        Assert.Equal(["lif1", "lif2"], l.GetColumn<string>("layer").Values.Take(2));
        Assert.Equal(0.24, l.GetColumn<double>("quantization_error").Get(1), 12);
        var h = rs.Histograms;
        Assert.Equal(4 * 2 * 2 * ResultFolder.Bins, h.RowCount);
        // Bins of width 0.5 with counts 1..4 of 10 potentials: density = count / (10 · 0.5); integrates to 1.
        Assert.Equal(new[] { 0.2, 0.4, 0.6, 0.8 }, h.GetColumn<double>("density").Values.Take(4).Select(x => Math.Round(x, 12)));
        Assert.Equal(new[] { -0.75, -0.25, 0.25, 0.75 }, h.GetColumn<double>("center").Values.Take(4));
        var d = rs.PotentialDensity("rmp");
        Assert.Equal(2, d.Count);
        Assert.Equal(1.0, d[0].Density.Sum() * 0.5, 12);
    }

    [Fact]
    public void SummaryIsMeanAndStdOverSeedsWithDeltaToBaseline()
    {
        var summaries = ResultFolder.WriteAblation(_dir);
        var s = ResultSet.Load(_dir).Summary();
        Assert.Equal(["baseline", "rmp"], s.RowKeys);
        Assert.Equal(82.0, s.GetColumn<double>("final_acc").Get("baseline"), 9);
        Assert.Equal(Math.Sqrt(8), s.GetColumn<double>("final_acc_std").Get("baseline"), 9);   // 80, 84
        Assert.Equal(82.0, s.GetColumn<double>("final_acc").Get("rmp"), 9);
        Assert.Equal(0.0, s.GetColumn<double>("final_acc_std").Get("rmp"), 9);
        // Final QE = mean over layers (qe, 2qe) = 1.5 qe: baseline 0.18/0.21, rmp 0.12/0.15.
        Assert.Equal(0.195, s.GetColumn<double>("mean_quantization_error").Get("baseline"), 9);
        Assert.Equal(0.135, s.GetColumn<double>("mean_quantization_error").Get("rmp"), 9);
        Assert.Equal(-0.06, s.GetColumn<double>("delta_qe_vs_baseline").Get("rmp"), 9);
        Assert.Equal(0.0, s.GetColumn<double>("delta_acc_vs_baseline").Get("rmp"), 9);
        Assert.Equal(2, s.GetColumn<int>("seeds").Get("rmp"));
        Assert.Equal(Stat.SampleStd([80.0, 84.0]), s.GetColumn<double>("final_acc_std").Get("baseline"), 12);

        var table = ResultSet.Load(_dir).SummaryTable();
        Assert.Equal("82.00 ± 2.83", table.GetColumn<string>("final acc (%)").Get("baseline"));
        // Paired over seeds 0 and 1: rmp's QE is 0.06 below the baseline's for both seeds, so the interval is (nearly) the point.
        Assert.StartsWith("-0.0600* [-0.0600, -0.0600]", table.GetColumn<string>("Δ QE").Get("rmp"));
    }

    [Fact]
    public void FailedAndUnfinishedRunsAreListedButNotSummarized()
    {
        ResultFolder.WriteRun(Path.Combine(_dir, "baseline", "seed0"), "baseline", 0, [0.5], 0.1);
        ResultFolder.WriteRun(Path.Combine(_dir, "rmp", "seed0"), "rmp", 0, [0.6], 0.05, status: RunStatus.Failed);
        File.Delete(Path.Combine(_dir, "baseline", "seed0", "summary.json"));
        ResultFolder.WriteRun(Path.Combine(_dir, "baseline", "seed1"), "baseline", 1, [0.7], 0.1);
        var rs = ResultSet.Load(_dir);
        Assert.Equal(3, rs.Runs.Count);
        var runs = rs.RunTable;
        Assert.Equal(new[] { "running", "completed", "failed" }, runs.GetColumn<string>("status").Values);
        var s = rs.Summary();
        Assert.Equal(["baseline"], s.RowKeys);
        Assert.Equal(1, s.GetColumn<int>("seeds").Get("baseline"));
    }

    [Fact]
    public void SingleRunFolderAndLayerSummary()
    {
        var dir = Path.Combine(_dir, "run");
        ResultFolder.WriteRun(dir, "rmp", 3, [0.5, 0.6, 0.7], 0.1);
        var rs = ResultSet.Load(dir);
        Assert.True(rs.IsSingleRun);
        Assert.Equal("rmp", rs.Runs[0].Variant);
        Assert.Equal(3L, rs.Runs[0].Seed);
        Assert.Equal(3, rs.Runs[0].Metrics.RowCount);
        var ls = rs.LayerSummary();
        Assert.Equal(2, ls.RowCount);
        Assert.Equal(new[] { 0.1, 0.2 }, ls.GetColumn<double>("quantization_error").Values.Select(x => Math.Round(x, 12)));
        Assert.Equal(new[] { 0.1, 0.2 }, ls.GetColumn<double>("firing_rate").Values);
    }

    [Fact]
    public void LambdaSweepGroupsRmpRunsByTaskAndLambdaWithBaselineAtZero()
    {
        ResultFolder.WriteRun(Path.Combine(_dir, "baseline", "seed0"), "baseline", 0, [0.80], 0.2);
        ResultFolder.WriteRun(Path.Combine(_dir, "rmp-lambda=0.1", "seed0"), "rmp", 0, [0.81], 0.15, rmpLambda: 0.1);
        ResultFolder.WriteRun(Path.Combine(_dir, "rmp-lambda=1", "seed0"), "rmp", 0, [0.78], 0.05, rmpLambda: 1);
        ResultFolder.WriteRun(Path.Combine(_dir, "rmp-lambda=1", "seed1"), "rmp", 1, [0.76], 0.07, rmpLambda: 1);
        ResultFolder.WriteRun(Path.Combine(_dir, "tet+rmp", "seed0"), "tet+rmp", 0, [0.70], 0.05, rmpLambda: 1);
        var rs = ResultSet.Load(_dir);
        Assert.Equal(["baseline", "rmp-lambda=0.1", "rmp-lambda=1", "tet+rmp"], rs.Variants);
        var f = rs.LambdaSweep();
        // tet+rmp counts at its RMP-Loss λ too, as a TET point (the regularizer carries its λ, not the variant name).
        Assert.Equal(new[] { "CE", "CE", "CE", "TET" }, f.GetColumn<string>("task").Values);
        Assert.Equal(new[] { 0.0, 0.1, 1.0, 1.0 }, f.GetColumn<double>("lambda").Values);
        Assert.Equal(new[] { 1, 1, 2, 1 }, f.GetColumn<int>("runs").Values);
        Assert.Equal(77.0, f.GetColumn<double>("final_acc").Get(2), 9);
        Assert.Equal(0.09, f.GetColumn<double>("mean_quantization_error").Get(2), 9);
    }

    [Fact]
    public void TableBuilderTypesColumnsAndKeepsMissingCells()
    {
        var t = new TableBuilder();
        t.Add(("name", "a"), ("n", 1), ("x", 0.5));
        t.Add(("name", "b"), ("x", double.NaN), ("flag", true));
        var f = t.ToFrame();
        Assert.Equal(["name", "n", "x", "flag"], f.ColumnKeys);
        Assert.Equal(2, f.RowCount);
        Assert.Equal(typeof(int), f.ColumnTypes.ElementAt(1));
        Assert.False(f.GetColumn<double>("x").TryGet(1).HasValue);
        Assert.False(f.GetColumn<int>("n").TryGet(1).HasValue);
        Assert.True(f.GetColumn<bool>("flag").Get(1));
    }

    [Fact]
    public void VariantsFollowTheOrderOfTheSweepTable()
    {
        ResultFolder.WriteRun(Path.Combine(_dir, "z-first", "seed0"), "rmp", 0, [0.5], 0.1);
        ResultFolder.WriteRun(Path.Combine(_dir, "a-second", "seed0"), "rmp", 0, [0.5], 0.1);
        ResultFolder.WriteRun(Path.Combine(_dir, "m-unlisted", "seed0"), "rmp", 0, [0.5], 0.1);
        File.WriteAllText(Path.Combine(_dir, "sweep.csv"), "arm,seeds\nz-first,1\na-second,1\n");
        Assert.Equal(["z-first", "a-second", "m-unlisted"], ResultSet.Load(_dir).Variants);
    }

    [Fact]
    public void NaturalOrderPutsNumbersInOrder()
    {
        var xs = new[] { "rmp-lambda=10", "rmp-lambda=0.5", "rmp-lambda=2", "baseline" }.OrderBy(x => x, NaturalComparer.Instance).ToArray();
        Assert.Equal(["baseline", "rmp-lambda=0.5", "rmp-lambda=2", "rmp-lambda=10"], xs);
    }

    [Fact]
    public void MissingFolderIsOneClearError()
    {
        var e = Assert.Throws<DirectoryNotFoundException>(() => ResultSet.Load(Path.Combine(_dir, "nope")));
        Assert.Contains("nope", e.Message);
        Directory.CreateDirectory(Path.Combine(_dir, "empty"));
        e = Assert.Throws<DirectoryNotFoundException>(() => ResultSet.Load(Path.Combine(_dir, "empty")));
        Assert.Contains("no run folder", e.Message);
    }
}
