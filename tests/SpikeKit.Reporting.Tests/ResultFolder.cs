using SpikeKit.Experiments;
using SpikeKit.Probes;
using SpikeKit.Reporting;
using SpikeKit.Training;

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
        string status = "completed")
    {
        var config = new RunConfig { Dataset = "synthetic", Variant = variant, Seed = seed, Epochs = accs.Length, RmpLambda = rmpLambda, Width = 0.25, TimeSteps = 2 };
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
        var summary = new RunSummary(status, status == "failed" ? "boom" : null, config, env, history.Count, last.TestAccuracy,
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
            WriteRun(Ablation.RunDirectory(root, "baseline", 0), "baseline", 0, [0.70, 0.80], 0.12),
            WriteRun(Ablation.RunDirectory(root, "baseline", 1), "baseline", 1, [0.72, 0.84], 0.14),
            WriteRun(Ablation.RunDirectory(root, "rmp", 0), "rmp", 0, [0.75, 0.82], 0.08),
            WriteRun(Ablation.RunDirectory(root, "rmp", 1), "rmp", 1, [0.74, 0.82], 0.10),
        ];
    }
}
