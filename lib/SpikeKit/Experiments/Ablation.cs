using System.Globalization;
using System.Text;
using SpikeKit.Reporting;
using SpikeKit.Training;

namespace SpikeKit.Experiments;

/// <summary>
/// The same run once per loss variant and seed, into <c>OUT/&lt;variant&gt;/seed&lt;seed&gt;/</c>, then a table
/// (<c>ablation.csv</c>, <c>ablation.md</c>) with a row per variant: final and best test accuracy (mean ± std over seeds),
/// mean quantization error and firing rate, and the difference to baseline. A run whose folder already holds a completed
/// <c>summary.json</c> with the same config is not run again.
/// </summary>
public static class Ablation
{
    /// <summary>Folder of one run of the ablation.</summary>
    public static string RunDirectory(string outDir, string variant, long seed) => Path.Combine(outDir, variant, $"seed{seed}");

    /// <summary>Runs every (variant, seed) pair and writes the table; returns its rows.</summary>
    public static IReadOnlyList<AblationRow> Run(RunConfig baseConfig, IReadOnlyList<string> variants, IReadOnlyList<long> seeds,
        string outDir, Func<RunConfig, ITrainingProgress?>? progress = null)
    {
        if (variants.Count == 0) throw new ConfigException("variants", "at least one variant is needed");
        var arms = variants.Select(v => new Sweep.Arm(v, baseConfig with { Variant = v })).ToList();
        return Sweep.Run(arms, seeds, outDir, progress, "ablation", Caption(baseConfig, seeds));
    }

    /// <summary>Aggregates completed run summaries by variant (baseline first, then in order of appearance).</summary>
    public static IReadOnlyList<AblationRow> Summarize(IEnumerable<RunSummary> summaries)
    {
        var groups = summaries.Where(s => s.Status == "completed").GroupBy(s => s.Config.Variant)
            .OrderBy(g => g.Key == "baseline" ? 0 : 1).ToList();
        var rows = groups.Select(g =>
        {
            var fin = g.Select(s => 100 * s.FinalTestAccuracy).ToArray();
            var best = g.Select(s => 100 * s.BestTestAccuracy).ToArray();
            var qe = g.Select(s => s.FinalMeanQuantizationError).ToArray();
            return new AblationRow(g.Key, fin.Length, fin.Average(), Std(fin), best.Average(), Std(best), qe.Average(), Std(qe),
                g.Average(s => s.FinalMeanFiringRate), double.NaN, double.NaN);
        }).ToList();
        var baseline = rows.FirstOrDefault(r => r.Variant == "baseline");
        return baseline is null ? rows
            : rows.Select(r => r with { DeltaAccuracy = r.FinalAccuracy - baseline.FinalAccuracy, DeltaQuantizationError = r.QuantizationError - baseline.QuantizationError }).ToList();
    }

    /// <summary>Sample standard deviation (0 for fewer than two values).</summary>
    public static double Std(IReadOnlyList<double> xs)
    {
        if (xs.Count < 2) return 0;
        double m = xs.Average();
        return Math.Sqrt(xs.Sum(x => (x - m) * (x - m)) / (xs.Count - 1));
    }

    /// <summary>The line that heads <c>ablation.md</c>: data, model, schedule, λ, seeds and limits.</summary>
    public static string Caption(RunConfig c, IReadOnlyList<long> seeds) =>
        $"Ablation on {c.Dataset}, model {c.Model} (width {c.Width.ToString(CultureInfo.InvariantCulture)}), T = {c.TimeSteps}, " +
        $"{c.Epochs} epochs, batch {c.BatchSize}, lr {c.Lr.ToString(CultureInfo.InvariantCulture)}, " +
        $"RMP λ = {c.RmpLambda.ToString(CultureInfo.InvariantCulture)} ({c.LambdaSchedule}), seeds {string.Join(",", seeds)}" +
        (c.TrainLimit is { } tl ? $", train limit {tl}" : "") + (c.TestLimit is { } te ? $", test limit {te}" : "") + ".";

    /// <summary>Writes <c>&lt;name&gt;.csv</c> and <c>&lt;name&gt;.md</c> (caption, then the table) into <paramref name="outDir"/>;
    /// <paramref name="firstColumn"/> names the row label column (variant, arm).</summary>
    public static void WriteTable(IReadOnlyList<AblationRow> rows, string outDir, string name, string caption, string firstColumn = "variant")
    {
        Directory.CreateDirectory(outDir);
        var csv = new StringBuilder($"{firstColumn},seeds,final_acc,final_acc_std,best_acc,best_acc_std,mean_quantization_error,mean_quantization_error_std,mean_firing_rate,delta_acc_vs_baseline,delta_qe_vs_baseline\n");
        foreach (var r in rows)
            csv.AppendLine(Csv.Line([r.Variant, r.Seeds, r.FinalAccuracy, r.FinalAccuracyStd, r.BestAccuracy, r.BestAccuracyStd,
                r.QuantizationError, r.QuantizationErrorStd, r.FiringRate, r.DeltaAccuracy, r.DeltaQuantizationError]));
        File.WriteAllText(Path.Combine(outDir, $"{name}.csv"), csv.ToString());
        var md = new StringBuilder();
        md.AppendLine(caption);
        md.AppendLine();
        md.Append(ToMarkdown(rows, firstColumn));
        File.WriteAllText(Path.Combine(outDir, $"{name}.md"), md.ToString());
    }

    /// <summary>The rows as a markdown table (accuracy as mean ± std over seeds).</summary>
    public static string ToMarkdown(IReadOnlyList<AblationRow> rows, string firstColumn = "variant")
    {
        static string F(double x, string f) => double.IsNaN(x) ? "–" : x.ToString(f, CultureInfo.InvariantCulture);
        static string Signed(double x, string f) => double.IsNaN(x) ? "–" : (x >= 0 ? "+" : "") + x.ToString(f, CultureInfo.InvariantCulture);
        var sb = new StringBuilder();
        sb.AppendLine($"| {firstColumn} | seeds | final test acc (%) | best test acc (%) | mean quantization error | mean firing rate | Δ acc vs baseline (pp) | Δ QE vs baseline |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
            sb.AppendLine($"| {r.Variant} | {r.Seeds} | {F(r.FinalAccuracy, "F2")} ± {F(r.FinalAccuracyStd, "F2")} | {F(r.BestAccuracy, "F2")} ± {F(r.BestAccuracyStd, "F2")} | " +
                          $"{F(r.QuantizationError, "F4")} ± {F(r.QuantizationErrorStd, "F4")} | {F(r.FiringRate, "F3")} | {Signed(r.DeltaAccuracy, "F2")} | {Signed(r.DeltaQuantizationError, "F4")} |");
        return sb.ToString();
    }
}
