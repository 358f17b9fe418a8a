using System.Globalization;
using System.Text;
using Plotly.NET;
using SpikeKit.Reporting.Plotting;
using SpikeKit.Reporting.Frames;

namespace SpikeKit.Reporting;

/// <summary>What <see cref="ReportWriter.Write"/> produced.</summary>
/// <param name="Markdown">Path of <c>report.md</c>.</param>
/// <param name="Charts">Paths of the chart HTML files.</param>
/// <param name="Tables">Paths of <c>tables.md</c>, <c>tables.tex</c> and <c>tables.html</c> for a sweep folder; empty otherwise.</param>
/// <param name="Incomplete">The note naming the runs without a completed summary (also atop <c>report.md</c>); null when every run completed.</param>
/// <param name="Images">Paths of the charts' PNG images when asked for (<see cref="ReportWriter.Write"/>'s <c>images</c>); empty otherwise.</param>
public sealed record ReportFiles(string Markdown, IReadOnlyList<string> Charts, IReadOnlyList<string> Tables, string? Incomplete = null,
    IReadOnlyList<string>? Images = null);

/// <summary>
/// Writes a report for any result folder (one run, an ablation, a sweep): <c>report.md</c> with the run list, the summary
/// table (mean ± std over seeds, Δ to baseline), the per-layer table and links to the charts, and the charts as standalone
/// HTML files in <c>charts/</c>: accuracy and loss curves, quantization error, firing rate and near-spike share per layer,
/// membrane-potential distributions, and — when the runs span several RMP-Loss λ — λ sensitivity. For a sweep folder (one
/// with <c>sweep.json</c>) the report opens with the paper table (<see cref="PaperTable"/>), also written as
/// <c>tables.md</c>, <c>tables.tex</c> and <c>tables.html</c> (<see cref="PaperTableWriter"/>), and the other sections group
/// the runs by paper-table cell (see <see cref="ResultSet.Load"/>). Used by <c>spikekit report DIR</c>.
/// </summary>
public static class ReportWriter
{
    /// <summary>Writes the report for <paramref name="resultDir"/> into <paramref name="outDir"/> (default: the result folder itself).</summary>
    /// <param name="resultDir">A run, ablation or sweep folder.</param>
    /// <param name="outDir">Where report.md, charts/ and (for a sweep folder) tables.* go.</param>
    /// <param name="offline">Embed plotly.js in every chart file (about 3.5 MB each) instead of referencing the CDN.</param>
    /// <param name="images">Also write each chart as a PNG next to its HTML file (<see cref="ChartImage"/>, needs Chromium) and
    /// show the images in <c>report.md</c>, for documents that do not run JavaScript.</param>
    public static ReportFiles Write(string resultDir, string? outDir = null, bool offline = false, bool images = false)
    {
        outDir ??= resultDir;
        var paper = File.Exists(Path.Combine(resultDir, Experiments.SweepPlan.FileName)) ? PaperTable.Load(resultDir) : null;
        var results = ResultSet.Load(resultDir);
        Directory.CreateDirectory(outDir);
        var tables = paper is null ? [] : PaperTableWriter.Write(paper, outDir);
        var chartDir = Path.Combine(outDir, "charts");
        var charts = new List<(string File, string Title, GenericChart Chart)>
        {
            ("accuracy.html", "Test accuracy per epoch", Charts.AccuracyCurves(results, includeTrain: true)),
            ("loss.html", "Loss per epoch", Charts.LossCurves(results)),
            ("quantization-error.html", "Quantization error per layer", Charts.QuantizationErrorByLayer(results)),
            ("firing-rate.html", "Firing rate per layer", Charts.FiringRateByLayer(results)),
            ("near-spike-share.html", "Potentials near a spike value per layer", Charts.NearSpikeShareByLayer(results)),
            ("potentials.html", "Membrane-potential distributions per layer", Charts.PotentialDistributions(results)),
        };
        if (results.Runs.Any(r => r.LayerRows.Any(l => double.IsFinite(l.SynapticOps))))
            charts.Insert(5, ("synaptic-ops.html", "Synaptic operations per layer", Charts.SynapticOpsByLayer(results)));
        if (results.Variants.Count > 1)
            charts.Add(("variants.html", "Accuracy and quantization error per variant", Charts.VariantComparison(results)));
        if (SpansLambdas(results))
            charts.Add(("lambda.html", "Sensitivity to the RMP-Loss weight λ", Charts.LambdaSensitivity(results)));
        var paths = charts.Select(c => ChartHtml.Save(c.Chart, Path.Combine(chartDir, c.File), c.Title, offline)).ToList();
        var pngs = images ? charts.Select(c => ChartImage.Save(c.Chart, Path.Combine(chartDir, Path.ChangeExtension(c.File, ".png")))).ToList() : [];

        var md = new StringBuilder();
        md.AppendLine($"# SpikeKit report: {Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(resultDir)))}");
        md.AppendLine();
        var incomplete = IncompleteNote(results);
        if (incomplete is { } note)
        {
            md.AppendLine($"**{note}**");
            md.AppendLine();
        }
        if (paper is not null)
        {
            md.AppendLine("## Paper table");
            md.AppendLine();
            md.Append(PaperTableWriter.Markdown(paper));
            md.AppendLine();
            md.AppendLine($"Also as [LaTeX]({Path.GetFileName(tables[1])}) and [HTML]({Path.GetFileName(tables[2])}).");
            md.AppendLine();
        }
        md.AppendLine("## Summary");
        md.AppendLine();
        md.AppendLine((paper is null ? "" : "First run's settings — ") + Describe(results));
        md.AppendLine();
        md.AppendLine("Final test accuracy, mean quantization error (mean over layers of |clip(u,0,1) − o|) and firing rate of completed runs, " +
                      (paper is null ? $"mean ± std over seeds; Δ against the baseline, {Statistics.Difference.Method()}." : "mean ± std over seeds, per paper-table cell (Δ: see the paper table)."));
        md.AppendLine();
        var summary = results.SummaryTable();
        if (paper is not null)
            foreach (var delta in summary.ColumnKeys.Where(c => c.StartsWith('Δ')).ToList()) summary.DropColumn(delta);
        md.Append(FrameMarkdown.ToMarkdown(summary, "variant"));
        md.AppendLine();
        md.AppendLine("## Per layer (last epoch)");
        md.AppendLine();
        md.Append(FrameMarkdown.ToMarkdown(results.LayerSummary(), null));
        if (SpansLambdas(results))
        {
            md.AppendLine();
            md.AppendLine("## λ sensitivity");
            md.AppendLine();
            md.Append(FrameMarkdown.ToMarkdown(results.LambdaSweep(), null));
        }
        md.AppendLine();
        md.AppendLine("## Runs");
        md.AppendLine();
        md.Append(FrameMarkdown.ToMarkdown(Runs(results), null));
        md.AppendLine();
        md.AppendLine("## Charts");
        md.AppendLine();
        var rel = Path.GetRelativePath(Path.GetFullPath(outDir), chartDir).Replace('\\', '/');
        foreach (var c in charts) md.AppendLine($"- [{c.Title}]({rel}/{c.File})");
        if (images)
            foreach (var c in charts)
            {
                md.AppendLine();
                md.AppendLine($"![{c.Title}]({rel}/{Path.ChangeExtension(c.File, ".png")})");
            }
        var mdPath = Path.Combine(outDir, "report.md");
        File.WriteAllText(mdPath, md.ToString());
        return new ReportFiles(Path.GetFullPath(mdPath), paths, tables, incomplete, pngs);
    }

    static bool SpansLambdas(ResultSet results) => results.SpansLambdas;

    /// <summary>"Incomplete: …" naming the runs without a completed summary (running, killed or failed), or null when none.</summary>
    public static string? IncompleteNote(ResultSet results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var open = results.Runs.Where(r => !r.Completed).ToList();
        if (open.Count == 0) return null;
        return $"Incomplete: {open.Count} of {results.Runs.Count} run(s) have no completed summary — " +
               string.Join("; ", open.Select(r => $"{r.Variant} seed {r.Seed} ({r.StatusText}, {r.LastEpoch} epoch(s))")) + ".";
    }

    static Deedle.Frame<int, string> Runs(ResultSet results)
    {
        var t = new TableBuilder();
        foreach (var r in results.Runs)
        {
            var s = r.Summary;
            t.Add(("variant", r.Variant), ("seed", r.Seed), ("status", r.StatusText), ("epochs", s?.EpochsCompleted ?? r.LastEpoch),
                ("final acc (%)", 100 * (s?.FinalTestAccuracy ?? double.NaN)), ("QE", s?.FinalMeanQuantizationError ?? double.NaN),
                ("wall (s)", s?.WallSeconds ?? double.NaN));
        }
        return t.ToFrame();
    }

    static string Describe(ResultSet results)
    {
        var c = results.Runs.Select(r => r.Config).FirstOrDefault(x => x is not null);
        var seeds = results.Runs.Select(r => r.Seed).Distinct().OrderBy(x => x).ToList();
        var text = $"{results.Runs.Count} run(s): variants {string.Join(", ", results.Variants)}; seeds {string.Join(", ", seeds)}.";
        if (c is null) return text;
        return text + $" Data {c.Dataset}" + (c.TrainLimit is { } tl ? $" (train limit {tl})" : "") + $", model {c.Model} (width {c.Width.ToString(CultureInfo.InvariantCulture)})," +
               $" T = {c.TimeSteps}, {c.Epochs} epochs, batch {c.BatchSize}, lr {c.Lr.ToString(CultureInfo.InvariantCulture)}," +
               $" neuron {c.Neuron} (τ = {c.Tau.ToString(CultureInfo.InvariantCulture)}, V_th = {c.Threshold.ToString(CultureInfo.InvariantCulture)}).";
    }
}
