using SpikeKit.Experiments;
using SpikeKit.Probes;
using SpikeKit.Reporting;
using SpikeKit.Training;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Reporting.Tests;

/// <summary>
/// Writes small result folders in the kit's real formats (RunWriter, RunSummary) with values chosen by hand, so that
/// every frame and chart value can be checked exactly.
/// </summary>
internal static class ResultFolder
{
    public const int Bins = 4;

    /// <summary>Layer statistics: 4 bins over [−1, 1), counts (1, 2, 3, 4)·scale, no under/overflow.</summary>
    public static LayerStatistics Layer(string name, double qe, double rate, long scale = 1) =>
        new(name, 10 * scale, rate, qe, qe * qe, 0.25, 0.1, -1, 1, [1 * scale, 2 * scale, 3 * scale, 4 * scale], 0, 0);

    /// <summary>
    /// Writes one run: <paramref name="accs"/> test accuracies per epoch (train = test − 0.05), layers lif1/lif2 with
    /// QE <paramref name="qe"/> and 2·qe, rates 0.1 and 0.2; an rmp variant also logs rmp_lambda/rmp_value.
    /// </summary>
    public static RunSummary WriteRun(string dir, string variant, long seed, double[] accs, double qe, double rmpLambda = 0.5,
        RunStatus status = RunStatus.Completed) =>
        WriteRun(dir, new RunConfig { Dataset = "synthetic", Variant = variant, Seed = seed, Epochs = accs.Length, RmpLambda = rmpLambda, Width = 0.25, TimeSteps = 2 },
            accs, qe, status);

    /// <summary>As above, with the run's config given (its variant decides whether rmp values are logged).</summary>
    public static RunSummary WriteRun(string dir, RunConfig config, double[] accs, double qe, RunStatus status = RunStatus.Completed)
    {
        var variant = config.Variant;
        var rmpLambda = config.RmpLambda;
        var history = new List<EpochMetrics>();
        using (var w = new RunWriter(dir))
        {
            for (int e = 0; e < accs.Length; e++)
            {
                var regs = variant.Contains("rmp") ? new List<RegularizerValue> { new("rmp", rmpLambda, 0.04) } : new List<RegularizerValue>();
                var m = new EpochMetrics(e + 1, 0.1, 1.0 / (e + 1), 0.9 / (e + 1), regs, accs[e] - 0.05, 0.5 / (e + 1), accs[e],
                    [Layer("lif1", qe, 0.1), Layer("lif2", 2 * qe, 0.2)], 1.0, 0.1);
                w.Append(m);
                history.Add(m);
            }
        }
        var last = history[^1];
        var best = history.OrderByDescending(h => h.TestAccuracy).First();
        var env = new RunEnvironment("test", "0.107.0", "2.10", ".NET", "linux", "test", 1, "cpu", "none");
        var summary = new RunSummary(status, status == RunStatus.Failed ? "boom" : null, config, env, history.Count, last.TestAccuracy,
            best.TestAccuracy, best.Epoch, last.MeanQuantizationError, last.MeanFiringRate, 12.5, "2026-01-01T00:00:00Z", "2026-01-01T00:01:00Z");
        summary.Save(Path.Combine(dir, "summary.json"));
        return summary;
    }

    /// <summary>
    /// An ablation folder: baseline seeds 0/1 with final acc 0.80/0.84 and QE 0.12/0.14; rmp seeds 0/1 with final acc
    /// 0.82/0.82 and QE 0.08/0.10; two epochs each.
    /// </summary>
    public static List<RunSummary> WriteAblation(string root)
    {
        return
        [
            WriteRun(Path.Combine(root, "baseline", "seed0"), "baseline", 0, [0.70, 0.80], 0.12),
            WriteRun(Path.Combine(root, "baseline", "seed1"), "baseline", 1, [0.72, 0.84], 0.14),
            WriteRun(Path.Combine(root, "rmp", "seed0"), "rmp", 0, [0.75, 0.82], 0.08),
            WriteRun(Path.Combine(root, "rmp", "seed1"), "rmp", 1, [0.74, 0.82], 0.10),
        ];
    }

    /// <summary>
    /// A sweep folder with <c>sweep.json</c> (rows model × timeSteps, columns variant, baseline "baseline", seeds 0–2;
    /// in plan order T = 4 before T = 2) and one folder per run. Final accuracy / mean QE per seed 0, 1, 2:
    /// <list type="bullet">
    /// <item>CNN T=4 baseline: 0.88 / 0.89 / 0.90, QE 0.18 each → 89.00 ± 1.00, 0.18 ± 0;</item>
    /// <item>CNN T=4 rmp: 0.895 / 0.905 / failed (0.10), QE 0.08 / 0.10 → 90.00 ± 0.7071 (n=2/3), Δ +1.00, QE 0.09 ± 0.01414;</item>
    /// <item>CNN T=2 baseline: 0.80 / missing / 0.84, QE 0.20 / – / 0.22 → 82.00 ± 2.8284 (n=2/3), QE 0.21 ± 0.01414;</item>
    /// <item>CNN T=2 rmp: 0.83 / 0.85 / 0.87, QE 0.10 / 0.12 / 0.14 → 85.00 ± 2.00, Δ +3.00, QE 0.12 ± 0.02, Δ −0.09.</item>
    /// </list>
    /// References: 78.28 for timeSteps 4 × rmp (no model key: a subset of the axes), and one for a model not in the sweep.
    /// </summary>
    public static SweepPlan WriteSweep(string root)
    {
        var specs = new (string T, string Variant, (double? Acc, double Qe, RunStatus Status)[] Seeds)[]
        {
            ("4", "baseline", [(0.88, 0.18, RunStatus.Completed), (0.89, 0.18, RunStatus.Completed), (0.90, 0.18, RunStatus.Completed)]),
            ("4", "rmp", [(0.895, 0.08, RunStatus.Completed), (0.905, 0.10, RunStatus.Completed), (0.10, 0.50, RunStatus.Failed)]),
            ("2", "baseline", [(0.80, 0.20, RunStatus.Completed), (null, 0, RunStatus.Pending), (0.84, 0.22, RunStatus.Completed)]),
            ("2", "rmp", [(0.83, 0.10, RunStatus.Completed), (0.85, 0.12, RunStatus.Completed), (0.87, 0.14, RunStatus.Completed)]),
        };
        var runs = new List<PlannedRun>();
        foreach (var (t, variant, seeds) in specs)
            for (int seed = 0; seed < seeds.Length; seed++)
            {
                var config = new RunConfig { Dataset = "synthetic", Model = "cnn", TimeSteps = int.Parse(t, System.Globalization.CultureInfo.InvariantCulture),
                    Variant = variant, Seed = seed, Epochs = 2, Width = 0.25 };
                var labels = new Dictionary<string, string> { ["model"] = "CNN", ["timeSteps"] = t, ["variant"] = variant, ["seed"] = $"{seed}" };
                var run = new PlannedRun(runs.Count, $"cnn-t{t}-{variant}-s{seed}", labels, config);
                runs.Add(run);
                var (acc, qe, status) = seeds[seed];
                if (acc is { } a)
                    WriteRun(Path.Combine(root, run.Id), config, [a - 0.1, a], qe / 1.5, status); // layers qe and 2·qe: mean 1.5·qe
            }
        var plan = new SweepPlan("fake_sweep", "Two rows, two columns, three seeds.", new SweepTable(["model", "timeSteps"], ["variant"], "baseline"),
            [
                new ReferenceResult(new Dictionary<string, string> { ["timeSteps"] = "4", ["variant"] = "rmp" }, 78.28, "RMP-Loss, ICCV 2023"),
                new ReferenceResult(new Dictionary<string, string> { ["model"] = "ResNet-19", ["variant"] = "rmp" }, 96.10, "elsewhere"),
            ], runs);
        Directory.CreateDirectory(root);
        plan.Save(Path.Combine(root, SweepPlan.FileName));
        return plan;
    }
}
