using System.Globalization;
using Deedle;
using SpikeKit.Experiments;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Reporting.Frames;

/// <summary>Mean and sample standard deviation of one quantity over seeds.</summary>
/// <param name="Mean">Mean.</param>
/// <param name="Std">Sample standard deviation (0 for one value).</param>
/// <param name="N">Number of values.</param>
public readonly record struct Stat(double Mean, double Std, int N)
{
    /// <summary>Mean and std of <paramref name="values"/> (NaN values are skipped; NaN mean when none is left).</summary>
    public static Stat Of(IEnumerable<double> values)
    {
        var xs = values.Where(v => !double.IsNaN(v)).ToList();
        return xs.Count == 0 ? new Stat(double.NaN, double.NaN, 0) : new Stat(xs.Average(), SampleStd(xs), xs.Count);
    }

    /// <summary>Sample standard deviation (0 for fewer than two values).</summary>
    public static double SampleStd(IReadOnlyList<double> xs)
    {
        if (xs.Count < 2) return 0;
        double m = xs.Average();
        return Math.Sqrt(xs.Sum(x => (x - m) * (x - m)) / (xs.Count - 1));
    }
}

/// <summary>
/// The runs of one result folder — a single run folder, an ablation folder (<c>&lt;variant&gt;/seed&lt;s&gt;/</c>), a
/// sweep folder (<c>&lt;arm&gt;/seed&lt;s&gt;/</c>, or <c>sweep.json</c> with <c>&lt;run id&gt;/</c>) or any tree holding run
/// folders — as Deedle frames and aggregates.
/// Every frame has ordinal row keys (0, 1, …) and string column keys unless said otherwise; accuracies in the per-epoch
/// frames are fractions as in the CSV files, in the summaries percentages as in <c>ablation.csv</c>.
/// </summary>
public sealed class ResultSet
{
    ResultSet(string root, IReadOnlyList<RunResult> runs)
    {
        Root = root;
        Runs = runs;
        Variants = runs.Select(r => r.Variant).Distinct().ToList();
    }

    /// <summary>
    /// The order of variants: the plan order of the cells when the folder holds <c>sweep.json</c>, else the row order of its
    /// <c>ablation.csv</c> or <c>sweep.csv</c> when it has one (the order they were run in), then baseline first and natural
    /// order for the rest.
    /// </summary>
    static List<string> Order(IEnumerable<string> variants, string root)
    {
        var table = root.Length == 0 ? null : new[] { "ablation.csv", "sweep.csv" }.Select(f => Path.Combine(root, f)).FirstOrDefault(File.Exists);
        var listed = root.Length > 0 && SweepGrid.TryLoad(root) is { } grid ? grid.CellNames.ToList()
            : table is null ? [] : File.ReadLines(table).Skip(1).Where(l => l.Length > 0).Select(l => Csv.Split(l)[0]).ToList();
        return variants.Distinct()
            .OrderBy(v => listed.IndexOf(v) is var i && i >= 0 ? i : int.MaxValue)
            .ThenBy(v => v == "baseline" ? 0 : 1).ThenBy(v => v, NaturalComparer.Instance).ToList();
    }

    /// <summary>The folder the runs were loaded from.</summary>
    public string Root { get; }

    /// <summary>The runs, ordered by variant (baseline first) and seed.</summary>
    public IReadOnlyList<RunResult> Runs { get; }

    /// <summary>The variants (arms): in the plan order of a sweep folder's cells, or the order of the folder's ablation.csv or
    /// sweep.csv, else baseline first, then in natural order.</summary>
    public IReadOnlyList<string> Variants { get; }

    /// <summary>True when the set holds exactly one run.</summary>
    public bool IsSingleRun => Runs.Count == 1;

    /// <summary>
    /// Loads every run under <paramref name="directory"/>: the folder itself when it holds <c>metrics.csv</c> or
    /// <c>summary.json</c>, else every folder below it that does. A run's variant is the path from
    /// <paramref name="directory"/> to it without a trailing <c>seed&lt;s&gt;</c> folder (so <c>rmp/seed0</c> is variant
    /// <c>rmp</c>); a single run folder takes its config's variant. In a sweep folder (one with <c>sweep.json</c>, runs in
    /// <c>&lt;run id&gt;/</c>) a planned run's variant is instead the name of its paper-table cell: its row and column labels,
    /// e.g. <c>CNN · T=4 · rmp</c>, so that the seeds of a cell form one variant.
    /// </summary>
    /// <exception cref="DirectoryNotFoundException">When the folder does not exist or holds no run.</exception>
    public static ResultSet Load(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such folder");
        var root = Path.GetFullPath(directory);
        if (RunFiles.IsRunFolder(root)) return FromRuns([RunResult.Load(root)], root);
        var grid = SweepGrid.TryLoad(root);
        var runs = Directory.EnumerateDirectories(root, "*", SearchOption.AllDirectories)
            .Where(RunFiles.IsRunFolder)
            .Select(d =>
            {
                var rel = Path.GetRelativePath(root, d).Replace(Path.DirectorySeparatorChar, '/');
                var parts = rel.Split('/');
                if (grid?.CellName(parts[0]) is { } cell) return RunResult.Load(d, cell, grid.SeedOf(parts[0]));
                bool seeded = parts.Length > 1 && parts[^1].StartsWith("seed", StringComparison.Ordinal);
                return RunResult.Load(d, seeded ? string.Join('/', parts[..^1]) : rel);
            })
            .ToList();
        if (runs.Count == 0) throw new DirectoryNotFoundException($"{directory}: no run folder (metrics.csv or summary.json) found");
        return FromRuns(runs, root);
    }


    /// <summary>A set from runs loaded elsewhere (e.g. several result folders combined).</summary>
    public static ResultSet FromRuns(IEnumerable<RunResult> runs, string root = "")
    {
        var list = runs.ToList();
        var order = Order(list.Select(r => r.Variant), root);
        return new ResultSet(root, list.OrderBy(r => order.IndexOf(r.Variant)).ThenBy(r => r.Seed).ToList());
    }

    /// <summary>The runs for which <paramref name="keep"/> holds.</summary>
    public ResultSet Where(Func<RunResult, bool> keep) => FromRuns(Runs.Where(keep), Root);

    /// <summary>The runs of the given variants, in the given order of precedence.</summary>
    public ResultSet OnlyVariants(params string[] variants) => Where(r => variants.Contains(r.Variant));

    /// <summary>All <c>metrics.csv</c> rows stacked: <c>variant</c>, <c>seed</c>, <c>epoch</c> (int), then every other
    /// column of any run (missing where a run lacks it, e.g. <c>rmp_value</c> for the baseline).</summary>
    public Frame<int, string> Metrics
    {
        get
        {
            var t = new TableBuilder().Columns("variant", "seed", "epoch");
            foreach (var r in Runs)
                foreach (var row in r.MetricRows)
                    t.Add(new[] { Cell("variant", r.Variant), Cell("seed", r.Seed), Cell("epoch", (int)row["epoch"]) }
                        .Concat(r.MetricColumns.Where(c => c != "epoch").Select(c => Cell(c, row[c]))));
            return t.ToFrame();
        }
    }

    /// <summary>All <c>layers.csv</c> rows: <c>variant</c>, <c>seed</c>, <c>epoch</c>, <c>layer_index</c>, <c>layer</c>,
    /// <c>firing_rate</c>, <c>quantization_error</c>, <c>quantization_error_sq</c>, <c>near_spike_share</c>,
    /// <c>mean_potential</c>, <c>count</c>, <c>underflow</c>, <c>overflow</c>.</summary>
    public Frame<int, string> Layers
    {
        get
        {
            var t = new TableBuilder().Columns("variant", "seed", "epoch", "layer_index", "layer", "firing_rate", "quantization_error",
                "quantization_error_sq", "near_spike_share", "mean_potential", "count", "underflow", "overflow", "synaptic_ops");
            foreach (var r in Runs)
                foreach (var l in r.LayerRows)
                    t.Add(("variant", r.Variant), ("seed", r.Seed), ("epoch", l.Epoch), ("layer_index", l.LayerIndex), ("layer", l.Layer),
                        ("firing_rate", l.FiringRate), ("quantization_error", l.QuantizationError), ("quantization_error_sq", l.QuantizationErrorSquared),
                        ("near_spike_share", l.NearSpikeShare), ("mean_potential", l.MeanPotential), ("count", l.Count), ("underflow", l.Underflow), ("overflow", l.Overflow),
                        ("synaptic_ops", l.SynapticOps));
            return t.ToFrame();
        }
    }

    /// <summary>All <c>histograms.csv</c> rows: <c>variant</c>, <c>seed</c>, <c>epoch</c>, <c>layer_index</c>, <c>layer</c>,
    /// <c>bin</c>, <c>left</c>, <c>right</c>, <c>center</c>, <c>count</c> and <c>density</c> (count / (potentials seen × bin width),
    /// so that the histogram integrates to the share of potentials inside the range).</summary>
    public Frame<int, string> Histograms
    {
        get
        {
            var t = new TableBuilder().Columns("variant", "seed", "epoch", "layer_index", "layer", "bin", "left", "right", "center", "count", "density");
            foreach (var r in Runs)
            {
                var totals = Totals(r);
                foreach (var h in r.HistogramRows)
                    t.Add(("variant", r.Variant), ("seed", r.Seed), ("epoch", h.Epoch), ("layer_index", h.LayerIndex), ("layer", h.Layer), ("bin", h.Bin),
                        ("left", h.Left), ("right", h.Right), ("center", (h.Left + h.Right) / 2), ("count", h.Count),
                        ("density", Density(h, totals)));
            }
            return t.ToFrame();
        }
    }

    /// <summary>One row per run: <c>variant</c>, <c>seed</c>, <c>loss</c> (the config's variant), <c>status</c>, <c>epochs</c>,
    /// <c>final_acc</c>, <c>best_acc</c> (%), <c>best_epoch</c>, <c>mean_quantization_error</c>, <c>mean_firing_rate</c>,
    /// <c>wall_seconds</c>, and the settings that ablations vary: <c>rmp_lambda</c>, <c>lambda_schedule</c>, <c>rmp_clip</c>,
    /// <c>rmp_distance</c>, <c>rmp_layers</c>, <c>model</c>, <c>width</c>, <c>timesteps</c>, <c>dataset</c>, and <c>directory</c>.</summary>
    public Frame<int, string> RunTable
    {
        get
        {
            var t = new TableBuilder();
            foreach (var r in Runs)
            {
                var s = r.Summary;
                var c = s?.Config;
                t.Add(("variant", r.Variant), ("seed", r.Seed), ("loss", c?.Variant), ("status", r.StatusText),
                    ("epochs", s?.EpochsCompleted ?? r.LastEpoch), ("final_acc", 100 * (s?.FinalTestAccuracy ?? double.NaN)),
                    ("best_acc", 100 * (s?.BestTestAccuracy ?? double.NaN)), ("best_epoch", s?.BestEpoch),
                    ("mean_quantization_error", s?.FinalMeanQuantizationError ?? double.NaN), ("mean_firing_rate", s?.FinalMeanFiringRate ?? double.NaN),
                    ("energy_uj", s?.FinalEnergyMicrojoules ?? double.NaN),
                    ("wall_seconds", s?.WallSeconds ?? double.NaN), ("rmp_lambda", c?.RmpLambda ?? double.NaN), ("lambda_schedule", c?.LambdaSchedule),
                    ("rmp_clip", c?.RmpClip), ("rmp_distance", c?.RmpDistance), ("rmp_layers", c?.RmpLayers), ("model", c?.Model),
                    ("width", c?.Width ?? double.NaN), ("timesteps", c?.TimeSteps), ("dataset", c?.Dataset), ("directory", r.Directory));
            }
            return t.ToFrame();
        }
    }

    /// <summary>One aggregated variant (completed runs only); see <see cref="Summary"/>.</summary>
    /// <param name="Variant">Variant (arm).</param>
    /// <param name="Seeds">Completed runs.</param>
    /// <param name="FinalAccuracy">Final test accuracy (%).</param>
    /// <param name="BestAccuracy">Best test accuracy (%).</param>
    /// <param name="QuantizationError">Final mean-over-layers quantization error.</param>
    /// <param name="FiringRate">Final mean-over-layers firing rate.</param>
    /// <param name="DeltaAccuracy">Final accuracy minus the baseline's (percentage points); NaN without a baseline.</param>
    /// <param name="DeltaQuantizationError">Quantization error minus the baseline's; NaN without a baseline.</param>
    public sealed record VariantSummary(string Variant, int Seeds, Stat FinalAccuracy, Stat BestAccuracy, Stat QuantizationError,
        Stat FiringRate, double DeltaAccuracy, double DeltaQuantizationError)
    {
        /// <summary><see cref="DeltaAccuracy"/> with its 95 % interval and t-test (<see cref="Statistics.Difference.Of"/>), or null.</summary>
        public Statistics.Difference? AccuracyDifference { get; init; }
        /// <summary><see cref="DeltaQuantizationError"/> with its 95 % interval and t-test, or null.</summary>
        public Statistics.Difference? QuantizationErrorDifference { get; init; }
    }

    /// <summary>The per-variant aggregates behind <see cref="Summary"/> .</summary>
    public IReadOnlyList<VariantSummary> Summarize(string baseline = "baseline")
    {
        var rows = Variants.Select(v => Runs.Where(r => r.Variant == v && r.Completed).Select(r => r.Summary!).ToList())
            .Where(g => g.Count > 0)
            .Select(g => new VariantSummary(Runs.First(r => r.Summary == g[0]).Variant, g.Count,
                Stat.Of(g.Select(s => 100 * s.FinalTestAccuracy)), Stat.Of(g.Select(s => 100 * s.BestTestAccuracy)),
                Stat.Of(g.Select(s => s.FinalMeanQuantizationError)), Stat.Of(g.Select(s => s.FinalMeanFiringRate)), double.NaN, double.NaN))
            .ToList();
        var b = rows.FirstOrDefault(r => r.Variant == baseline);
        List<RunSummary> Done(string v) => Runs.Where(r => r.Variant == v && r.Completed).Select(r => r.Summary!).ToList();
        static List<(long, double)> Values(List<RunSummary> runs, Func<RunSummary, double> pick) => runs.Select(s => (s.Config.Seed, pick(s))).ToList();
        return b is null ? rows : rows.Select(r => r with
        {
            DeltaAccuracy = r.FinalAccuracy.Mean - b.FinalAccuracy.Mean,
            DeltaQuantizationError = r.QuantizationError.Mean - b.QuantizationError.Mean,
            AccuracyDifference = r == b ? null : Statistics.Difference.Of(Values(Done(r.Variant), s => 100 * s.FinalTestAccuracy), Values(Done(baseline), s => 100 * s.FinalTestAccuracy)),
            QuantizationErrorDifference = r == b ? null : Statistics.Difference.Of(Values(Done(r.Variant), s => s.FinalMeanQuantizationError), Values(Done(baseline), s => s.FinalMeanQuantizationError)),
        }).ToList();
    }

    /// <summary>
    /// One row per variant (row key = variant; completed runs only), numeric: <c>seeds</c>, <c>final_acc</c>,
    /// <c>final_acc_std</c>, <c>best_acc</c>, <c>best_acc_std</c> (%), <c>mean_quantization_error</c>,
    /// <c>mean_quantization_error_std</c>, <c>mean_firing_rate</c>, <c>mean_firing_rate_std</c>,
    /// <c>delta_acc_vs_baseline</c> (pp) and <c>delta_qe_vs_baseline</c> (missing without a <paramref name="baseline"/> variant), and
    /// each Δ's 95 % interval and two-sided p (<c>delta_acc_low</c>, <c>delta_acc_high</c>, <c>delta_acc_p</c>, <c>delta_qe_low</c>, …; see
    /// <see cref="Statistics.Difference.Of"/>).
    /// </summary>
    public Frame<string, string> Summary(string baseline = "baseline")
    {
        var t = new TableBuilder();
        foreach (var s in Summarize(baseline))
            t.Add(("variant", s.Variant), ("seeds", s.Seeds), ("final_acc", s.FinalAccuracy.Mean), ("final_acc_std", s.FinalAccuracy.Std),
                ("best_acc", s.BestAccuracy.Mean), ("best_acc_std", s.BestAccuracy.Std), ("mean_quantization_error", s.QuantizationError.Mean),
                ("mean_quantization_error_std", s.QuantizationError.Std), ("mean_firing_rate", s.FiringRate.Mean), ("mean_firing_rate_std", s.FiringRate.Std),
                ("delta_acc_vs_baseline", s.DeltaAccuracy), ("delta_qe_vs_baseline", s.DeltaQuantizationError),
                ("delta_acc_low", s.AccuracyDifference?.Low ?? double.NaN), ("delta_acc_high", s.AccuracyDifference?.High ?? double.NaN),
                ("delta_acc_p", s.AccuracyDifference?.P ?? double.NaN),
                ("delta_qe_low", s.QuantizationErrorDifference?.Low ?? double.NaN), ("delta_qe_high", s.QuantizationErrorDifference?.High ?? double.NaN),
                ("delta_qe_p", s.QuantizationErrorDifference?.P ?? double.NaN));
        return ByVariant(t);
    }

    /// <summary>
    /// <see cref="Summary"/> for reading: row key = variant, text cells "mean ± std" — <c>seeds</c>, <c>final acc (%)</c>,
    /// <c>best acc (%)</c>, <c>quantization error</c>, <c>firing rate</c>, <c>Δ acc (pp)</c>, <c>Δ QE</c>.
    /// </summary>
    public Frame<string, string> SummaryTable(string baseline = "baseline")
    {
        var t = new TableBuilder();
        foreach (var s in Summarize(baseline))
            t.Add(("variant", s.Variant), ("seeds", s.Seeds), ("final acc (%)", PlusMinus(s.FinalAccuracy, "F2")), ("best acc (%)", PlusMinus(s.BestAccuracy, "F2")),
                ("quantization error", PlusMinus(s.QuantizationError, "F4")), ("firing rate", PlusMinus(s.FiringRate, "F3")),
                ("Δ acc (pp)", s.AccuracyDifference?.Format("F2") ?? Signed(s.DeltaAccuracy, "F2")),
                ("Δ QE", s.QuantizationErrorDifference?.Format("F4") ?? Signed(s.DeltaQuantizationError, "F4")));
        return ByVariant(t);
    }

    static Frame<string, string> ByVariant(TableBuilder t)
    {
        var f = t.ToFrame();
        return f.ColumnCount == 0 ? new FrameBuilder.Columns<string, string>().Frame : f.IndexRows<string>("variant");
    }

    /// <summary>"mean ± std" in invariant culture ("–" for NaN).</summary>
    public static string PlusMinus(Stat s, string format) =>
        double.IsNaN(s.Mean) ? "–" : $"{s.Mean.ToString(format, CultureInfo.InvariantCulture)} ± {(double.IsNaN(s.Std) ? 0 : s.Std).ToString(format, CultureInfo.InvariantCulture)}";

    static string Signed(double x, string format) =>
        double.IsNaN(x) ? "–" : (x >= 0 ? "+" : "") + x.ToString(format, CultureInfo.InvariantCulture);

    /// <summary>A per-epoch metric of one variant, mean and std over its seeds (fractions as in <c>metrics.csv</c>).</summary>
    public IReadOnlyList<(int Epoch, Stat Value)> Curve(string variant, string column) =>
        Runs.Where(r => r.Variant == variant)
            .SelectMany(r => r.MetricRows.Where(m => m.ContainsKey(column)).Select(m => (Epoch: (int)m["epoch"], Value: m[column])))
            .GroupBy(p => p.Epoch).OrderBy(g => g.Key)
            .Select(g => (g.Key, Stat.Of(g.Select(p => p.Value)))).ToList();

    /// <summary>
    /// One variant's layers at one epoch (default: each run's last epoch), mean and std over seeds.
    /// </summary>
    public IReadOnlyList<LayerAggregate> LayerAggregates(string variant, int? epoch = null) =>
        Runs.Where(r => r.Variant == variant)
            .SelectMany(r => r.LayerRows.Where(l => l.Epoch == (epoch ?? r.LastEpoch)))
            .GroupBy(l => (l.LayerIndex, l.Layer)).OrderBy(g => g.Key.LayerIndex)
            .Select(g => new LayerAggregate(g.Key.LayerIndex, g.Key.Layer, g.Count(), Stat.Of(g.Select(l => l.QuantizationError)),
                Stat.Of(g.Select(l => l.FiringRate)), Stat.Of(g.Select(l => l.NearSpikeShare)), Stat.Of(g.Select(l => l.MeanPotential)),
                Stat.Of(g.Select(l => l.SynapticOps).Where(double.IsFinite))))
            .ToList();

    /// <summary>
    /// Per variant and layer at the final epoch of each run (or <paramref name="epoch"/>), mean and std over seeds:
    /// <c>variant</c>, <c>layer_index</c>, <c>layer</c>, <c>seeds</c>, <c>quantization_error</c>, <c>quantization_error_std</c>,
    /// <c>firing_rate</c>, <c>firing_rate_std</c>, <c>near_spike_share</c>, <c>mean_potential</c>.
    /// </summary>
    public Frame<int, string> LayerSummary(int? epoch = null)
    {
        var t = new TableBuilder();
        foreach (var v in Variants)
            foreach (var a in LayerAggregates(v, epoch))
                t.Add(("variant", v), ("layer_index", a.LayerIndex), ("layer", a.Layer), ("seeds", a.Seeds),
                    ("quantization_error", a.QuantizationError.Mean), ("quantization_error_std", a.QuantizationError.Std),
                    ("firing_rate", a.FiringRate.Mean), ("firing_rate_std", a.FiringRate.Std),
                    ("near_spike_share", a.NearSpikeShare.Mean), ("mean_potential", a.MeanPotential.Mean));
        return t.ToFrame();
    }

    /// <summary>
    /// One variant's membrane-potential histogram per layer at one epoch (default: each run's last), as a density
    /// averaged over seeds: per layer, the bin centers and densities.
    /// </summary>
    public IReadOnlyList<(int LayerIndex, string Layer, double[] Centers, double[] Density)> PotentialDensity(string variant, int? epoch = null)
    {
        var perLayer = new SortedDictionary<int, (string Layer, SortedDictionary<int, (double Center, List<double> D)> Bins)>();
        foreach (var r in Runs.Where(r => r.Variant == variant))
        {
            int e = epoch ?? r.LastEpoch;
            var totals = Totals(r);
            foreach (var h in r.HistogramRows.Where(h => h.Epoch == e))
            {
                if (!perLayer.TryGetValue(h.LayerIndex, out var layer)) perLayer[h.LayerIndex] = layer = (h.Layer, new());
                if (!layer.Bins.TryGetValue(h.Bin, out var bin)) layer.Bins[h.Bin] = bin = ((h.Left + h.Right) / 2, []);
                bin.D.Add(Density(h, totals));
            }
        }
        return perLayer.Select(p => (p.Key, p.Value.Layer, p.Value.Bins.Values.Select(b => b.Center).ToArray(),
            p.Value.Bins.Values.Select(b => b.D.Average()).ToArray())).ToList();
    }

    /// <summary>
    /// Accuracy and quantization error against RMP-Loss's λ (completed runs), per task loss: a run counts at the peak λ of its
    /// RMP-Loss regularizer (read from the loss its config builds, so <c>rmp</c> and <c>tet+rmp</c> runs both count), a run
    /// without regularizers at λ = 0 (<c>baseline</c> under cross-entropy, <c>tet</c> under TET); runs with other regularizers
    /// are left out. Columns <c>task</c> (CE or TET), <c>lambda</c>, <c>runs</c>, <c>final_acc</c>, <c>final_acc_std</c> (%),
    /// <c>mean_quantization_error</c>, <c>mean_quantization_error_std</c>, <c>mean_firing_rate</c>; sorted by task, then λ.
    /// </summary>
    public Frame<int, string> LambdaSweep()
    {
        var t = new TableBuilder().Columns("task", "lambda", "runs", "final_acc", "final_acc_std", "mean_quantization_error", "mean_quantization_error_std", "mean_firing_rate");
        foreach (var g in LambdaGroups())
        {
            var acc = Stat.Of(g.Runs.Select(s => 100 * s.FinalTestAccuracy));
            var qe = Stat.Of(g.Runs.Select(s => s.FinalMeanQuantizationError));
            t.Add(("task", g.Task), ("lambda", g.Lambda), ("runs", g.Runs.Count), ("final_acc", acc.Mean), ("final_acc_std", acc.Std),
                ("mean_quantization_error", qe.Mean), ("mean_quantization_error_std", qe.Std), ("mean_firing_rate", Stat.Of(g.Runs.Select(s => s.FinalMeanFiringRate)).Mean));
        }
        return t.ToFrame();
    }

    /// <summary>The runs at one RMP-Loss λ under one task loss.</summary>
    internal sealed record LambdaGroup(string Task, double Lambda, List<RunSummary> Runs);

    internal IReadOnlyList<LambdaGroup> LambdaGroups() =>
        Runs.Where(r => r.Completed)
            .Select(r => (Run: r.Summary!, Point: RmpPoint(r.Summary!.Config)))
            .Where(p => p.Point is not null)
            .GroupBy(p => p.Point!.Value)
            .OrderBy(g => g.Key.Task == "CE" ? 0 : 1).ThenBy(g => g.Key.Task, StringComparer.Ordinal).ThenBy(g => g.Key.Lambda)
            .Select(g => new LambdaGroup(g.Key.Task, g.Key.Lambda, g.Select(p => p.Run).ToList())).ToList();

    /// <summary>True when, under some task loss, completed runs span at least two RMP-Loss λ &gt; 0.</summary>
    internal bool SpansLambdas => LambdaGroups().Where(g => g.Lambda > 0).GroupBy(g => g.Task).Any(t => t.Count() > 1);

    readonly record struct LambdaPoint(string Task, double Lambda);

    static LambdaPoint? RmpPoint(RunConfig config)
    {
        var loss = config.ToLoss();
        var rmp = loss.Regularizers.FirstOrDefault(w => w.Regularizer is Losses.RmpLoss);
        if (loss.Regularizers.Count > (rmp is null ? 0 : 1)) return null;
        return new LambdaPoint(loss.Task is Losses.TetLoss ? "TET" : "CE", rmp?.Lambda.Value ?? 0);
    }

    static Dictionary<(int, int), long> Totals(RunResult r) =>
        r.LayerRows.GroupBy(l => (l.Epoch, l.LayerIndex)).ToDictionary(g => g.Key, g => g.First().Count);

    static double Density(HistogramRow h, Dictionary<(int, int), long> totals)
    {
        double width = h.Right - h.Left;
        return totals.TryGetValue((h.Epoch, h.LayerIndex), out var n) && n > 0 && width > 0 ? h.Count / (n * width) : double.NaN;
    }

    static KeyValuePair<string, object?> Cell(string name, object? value) => new(name, value);

    /// <inheritdoc />
    public override string ToString() =>
        $"{Runs.Count} run(s) in {Root}: {string.Join(", ", Variants.Select(v => $"{v} ×{Runs.Count(r => r.Variant == v)}"))}";
}

/// <summary>One layer of one variant, aggregated over seeds.</summary>
/// <param name="LayerIndex">0-based position.</param>
/// <param name="Layer">Module path.</param>
/// <param name="Seeds">Runs aggregated.</param>
/// <param name="QuantizationError">Quantization error.</param>
/// <param name="FiringRate">Firing rate.</param>
/// <param name="NearSpikeShare">Share of potentials near 0 or 1.</param>
/// <param name="MeanPotential">Mean potential.</param>
/// <param name="SynapticOps">Synaptic operations per test sample (over the runs that recorded them).</param>
public sealed record LayerAggregate(int LayerIndex, string Layer, int Seeds, Stat QuantizationError, Stat FiringRate, Stat NearSpikeShare, Stat MeanPotential,
    Stat SynapticOps);

/// <summary>Orders strings with embedded numbers numerically ("lambda=2" before "lambda=10").</summary>
public sealed class NaturalComparer : IComparer<string>
{
    /// <summary>The comparer.</summary>
    public static NaturalComparer Instance { get; } = new();

    /// <inheritdoc />
    public int Compare(string? x, string? y)
    {
        if (x is null || y is null) return string.CompareOrdinal(x, y);
        int i = 0, j = 0;
        while (i < x.Length && j < y.Length)
        {
            if (IsNum(x, i) && IsNum(y, j))
            {
                int si = i, sj = j;
                while (i < x.Length && (char.IsDigit(x[i]) || x[i] == '.')) i++;
                while (j < y.Length && (char.IsDigit(y[j]) || y[j] == '.')) j++;
                if (double.TryParse(x[si..i], NumberStyles.Float, CultureInfo.InvariantCulture, out var a) &&
                    double.TryParse(y[sj..j], NumberStyles.Float, CultureInfo.InvariantCulture, out var b) && a != b)
                    return a.CompareTo(b);
                int c = string.CompareOrdinal(x[si..i], y[sj..j]);
                if (c != 0) return c;
            }
            else
            {
                if (x[i] != y[j]) return x[i].CompareTo(y[j]);
                i++; j++;
            }
        }
        return (x.Length - i).CompareTo(y.Length - j);
    }

    static bool IsNum(string s, int i) => char.IsDigit(s[i]);
}
