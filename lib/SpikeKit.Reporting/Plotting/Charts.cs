using System.Globalization;
using Plotly.NET;
using SpikeKit.Probes;
using SpikeKit.Reporting.Frames;

namespace SpikeKit.Reporting.Plotting;

/// <summary>
/// The kit's Plotly.NET charts, each a <see cref="GenericChart"/> (display it in a notebook, combine or restyle it with
/// Plotly.NET's C# or F# API, or save it with <see cref="ChartHtml.Save"/>). Each variant keeps one colour in every chart
/// of a <see cref="ResultSet"/>; with several seeds, values are means and error bars the standard deviation over seeds.
/// </summary>
public static class Charts
{
    /// <summary>Plotly's default colour sequence.</summary>
    public static IReadOnlyList<string> Palette { get; } =
        ["#636efa", "#EF553B", "#00cc96", "#ab63fa", "#FFA15A", "#19d3f3", "#FF6692", "#B6E880", "#FF97FF", "#FECB52"];

    static string ColorOf(ResultSet rs, string variant)
    {
        int i = Math.Max(0, rs.Variants.ToList().IndexOf(variant));
        return Palette[i % Palette.Count];
    }

    /// <summary>Test accuracy (%) per epoch, one line per variant (with <paramref name="includeTrain"/>, train accuracy dotted).</summary>
    public static GenericChart AccuracyCurves(ResultSet results, bool includeTrain = false)
    {
        ArgumentNullException.ThrowIfNull(results);
        var traces = new List<Trace>();
        foreach (var v in results.Variants)
        {
            traces.Add(CurveTrace(results.Curve(v, "test_acc"), v, ColorOf(results, v), 100, "solid", v));
            if (includeTrain) traces.Add(CurveTrace(results.Curve(v, "train_acc"), v + " (train)", ColorOf(results, v), 100, "dot", v));
        }
        var layout = Layout(includeTrain ? "Accuracy per epoch (train dotted)" : "Test accuracy per epoch", "epoch", includeTrain ? "accuracy (%)" : "test accuracy (%)");
        layout["xaxis"] = EpochAxis(results);
        return Build(traces, layout);
    }

    /// <summary>Training loss (solid) and test loss (dashed) per epoch, one colour per variant.</summary>
    public static GenericChart LossCurves(ResultSet results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var traces = new List<Trace>();
        foreach (var v in results.Variants)
        {
            traces.Add(CurveTrace(results.Curve(v, "train_loss"), v + " train", ColorOf(results, v), 1, "solid", v));
            traces.Add(CurveTrace(results.Curve(v, "test_loss"), v + " test", ColorOf(results, v), 1, "dash", v));
        }
        var layout = Layout("Loss per epoch (train: total loss incl. regularizers; test: task loss)", "epoch", "loss");
        layout["xaxis"] = EpochAxis(results);
        return Build(traces, layout);
    }

    /// <summary>Quantization error <c>mean |clip(u,0,1) − o|</c> per layer, grouped bars per variant (each run's last epoch,
    /// or <paramref name="epoch"/>).</summary>
    public static GenericChart QuantizationErrorByLayer(ResultSet results, int? epoch = null) =>
        LayerBars(results, epoch, a => a.QuantizationError, "Quantization error per layer", "quantization error");

    /// <summary>Firing rate per layer, grouped bars per variant.</summary>
    public static GenericChart FiringRateByLayer(ResultSet results, int? epoch = null) =>
        LayerBars(results, epoch, a => a.FiringRate, "Firing rate per layer", "firing rate (spikes per neuron per step)");

    /// <summary>Synaptic operations per test sample that each spiking layer's spikes cause (spikes × fan-out; see
    /// <see cref="Probes.SynapticOperations"/>), grouped bars per variant.</summary>
    public static GenericChart SynapticOpsByLayer(ResultSet results, int? epoch = null) =>
        LayerBars(results, epoch, a => a.SynapticOps, "Synaptic operations per layer and test sample", "SOPs per sample");

    /// <summary>Share of potentials within 0.1 of a spike value (0 or 1) per layer, grouped bars per variant.</summary>
    public static GenericChart NearSpikeShareByLayer(ResultSet results, int? epoch = null) =>
        LayerBars(results, epoch, a => a.NearSpikeShare, "Potentials near a spike value (|u| ≤ 0.1 or |u − 1| ≤ 0.1)", "share of potentials");

    static GenericChart LayerBars(ResultSet results, int? epoch, Func<LayerAggregate, Stat> pick, string title, string yTitle)
    {
        ArgumentNullException.ThrowIfNull(results);
        var traces = new List<Trace>();
        foreach (var v in results.Variants)
        {
            var layers = results.LayerAggregates(v, epoch);
            if (layers.Count == 0) continue;
            var t = NewTrace("bar");
            Set(t, "name", v);
            Set(t, "x", layers.Select(l => l.Layer).ToArray());
            Set(t, "y", layers.Select(l => pick(l).Mean).ToArray());
            Set(t, "marker", D(("color", ColorOf(results, v))));
            if (layers.Any(l => pick(l).N > 1)) Set(t, "error_y", D(("type", "data"), ("array", layers.Select(l => pick(l).Std).ToArray()), ("visible", true)));
            traces.Add(t);
        }
        var layout = Layout(title + (epoch is { } e ? $" (epoch {e})" : " (last epoch)"), "layer", yTitle);
        layout["barmode"] = "group";
        return Build(traces, layout);
    }

    /// <summary>
    /// The paper's figure: each layer's membrane-potential distribution, the <paramref name="variants"/> overlaid (default:
    /// baseline and rmp when both are present, else every variant), one panel per layer, with dotted lines at the spike
    /// values 0 and 1 and a dashed line at the threshold. Densities are averaged over seeds (each run's last epoch, or
    /// <paramref name="epoch"/>).
    /// </summary>
    public static GenericChart PotentialDistributions(ResultSet results, IEnumerable<string>? variants = null, int? epoch = null)
    {
        ArgumentNullException.ThrowIfNull(results);
        var chosen = (variants ?? (results.Variants.Contains("baseline") && results.Variants.Contains("rmp") ? ["baseline", "rmp"] : results.Variants))
            .Where(results.Variants.Contains).ToList();
        var traces = new List<Trace>();
        var layerNames = new SortedDictionary<int, string>();
        foreach (var v in chosen)
        {
            foreach (var (index, layer, centers, density) in results.PotentialDensity(v, epoch))
            {
                layerNames[index] = layer;
                var t = NewTrace("bar");
                Set(t, "name", v);
                Set(t, "legendgroup", v);
                Set(t, "showlegend", index == layerNames.Keys.First());
                Set(t, "x", centers);
                Set(t, "y", density);
                Set(t, "width", centers.Length > 1 ? centers[1] - centers[0] : 0.05);
                Set(t, "opacity", 0.55);
                Set(t, "marker", D(("color", ColorOf(results, v))));
                Set(t, "xaxis", Axis("x", index, layerNames));
                Set(t, "yaxis", Axis("y", index, layerNames));
                traces.Add(t);
            }
        }
        var threshold = results.Runs.Select(r => r.Config?.Threshold).FirstOrDefault(t => t is not null) ?? 0.5;
        int n = Math.Max(1, layerNames.Count);
        var layout = D(("title", D(("text", "Membrane-potential distribution per layer" + (epoch is { } e ? $" (epoch {e})" : " (last epoch)")))),
            ("barmode", "overlay"), ("bargap", 0), ("height", 420), ("width", Math.Min(1400, 380 * n + 120)),
            ("grid", D(("rows", 1), ("columns", n), ("pattern", "independent"))));
        var shapes = new List<object>();
        var annotations = new List<object>();
        int k = 0;
        foreach (var (index, name) in layerNames)
        {
            string sx = k == 0 ? "" : (k + 1).ToString(CultureInfo.InvariantCulture);
            layout["xaxis" + sx] = D(("title", D(("text", $"u (pre-firing), {name}"))), ("range", new[] { -1.5, 2.0 }));
            layout["yaxis" + sx] = D(("title", D(("text", k == 0 ? "density" : ""))));
            foreach (var (x, dash) in new[] { (0.0, "dot"), (1.0, "dot"), (threshold, "dash") })
                shapes.Add(D(("type", "line"), ("xref", "x" + sx), ("yref", $"y{sx} domain"), ("x0", x), ("x1", x), ("y0", 0), ("y1", 1),
                    ("line", D(("color", "#444"), ("width", 1), ("dash", dash)))));
            k++;
        }
        layout["shapes"] = shapes;
        return Build(traces, layout);
    }

    static string Axis(string letter, int layerIndex, SortedDictionary<int, string> seen)
    {
        int k = seen.Keys.ToList().IndexOf(layerIndex);
        return k <= 0 ? letter : letter + (k + 1).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Final test accuracy and mean quantization error against RMP-Loss's λ (<see cref="ResultSet.LambdaSweep"/>):
    /// two panels sharing the λ axis.
    /// </summary>
    public static GenericChart LambdaSensitivity(ResultSet results)
    {
        ArgumentNullException.ThrowIfNull(results);
        var traces = new List<Trace>();
        var tasks = results.LambdaGroups().GroupBy(g => g.Task).ToList();
        foreach (var (task, i) in tasks.Select((t, i) => (t, i)))
        {
            var groups = task.ToList();
            string suffix = tasks.Count > 1 ? $" ({task.Key})" : "";
            var lambdas = groups.Select(g => g.Lambda).ToArray();
            var acc = groups.Select(g => Stat.Of(g.Runs.Select(s => 100 * s.FinalTestAccuracy))).ToList();
            var qe = groups.Select(g => Stat.Of(g.Runs.Select(s => s.FinalMeanQuantizationError))).ToList();
            var a = NewTrace("scatter");
            Set(a, "name", "test accuracy (%)" + suffix); Set(a, "mode", "lines+markers");
            Set(a, "x", lambdas); Set(a, "y", acc.Select(s => s.Mean).ToArray());
            Set(a, "marker", D(("color", Palette[(2 * i) % Palette.Count])));
            var q = NewTrace("scatter");
            Set(q, "name", "quantization error" + suffix); Set(q, "mode", "lines+markers");
            Set(q, "x", lambdas); Set(q, "y", qe.Select(s => s.Mean).ToArray());
            Set(q, "marker", D(("color", Palette[(2 * i + 1) % Palette.Count])));
            Set(q, "xaxis", "x2"); Set(q, "yaxis", "y2");
            if (acc.Any(s => s.N > 1)) Set(a, "error_y", D(("type", "data"), ("array", acc.Select(s => s.Std).ToArray()), ("visible", true)));
            if (qe.Any(s => s.N > 1)) Set(q, "error_y", D(("type", "data"), ("array", qe.Select(s => s.Std).ToArray()), ("visible", true)));
            traces.Add(a);
            traces.Add(q);
        }
        var layout = D(("title", D(("text", "Sensitivity to the RMP-Loss weight λ (λ = 0: baseline)"))),
            ("grid", D(("rows", 2), ("columns", 1), ("pattern", "independent"))), ("height", 560),
            ("xaxis", D(("title", D(("text", "λ"))))), ("xaxis2", D(("title", D(("text", "λ"))))),
            ("yaxis", D(("title", D(("text", "test accuracy (%)"))))), ("yaxis2", D(("title", D(("text", "quantization error"))))));
        return Build(traces, layout);
    }

    /// <summary>
    /// Final test accuracy and quantization error per variant side by side (bars; for comparing design choices such as λ
    /// schedules, clipping or regularized layers).
    /// </summary>
    public static GenericChart VariantComparison(ResultSet results, string baseline = "baseline")
    {
        ArgumentNullException.ThrowIfNull(results);
        var rows = results.Summarize(baseline);
        var names = rows.Select(r => r.Variant).ToArray();
        var colors = names.Select(n => ColorOf(results, n)).ToArray();
        var a = NewTrace("bar");
        Set(a, "name", "test accuracy (%)"); Set(a, "x", names); Set(a, "y", rows.Select(r => r.FinalAccuracy.Mean).ToArray());
        Set(a, "marker", D(("color", colors))); Set(a, "showlegend", false);
        var q = NewTrace("bar");
        Set(q, "name", "quantization error"); Set(q, "x", names); Set(q, "y", rows.Select(r => r.QuantizationError.Mean).ToArray());
        Set(q, "marker", D(("color", colors))); Set(q, "showlegend", false);
        Set(q, "xaxis", "x2"); Set(q, "yaxis", "y2");
        if (rows.Any(r => r.Seeds > 1))
        {
            Set(a, "error_y", D(("type", "data"), ("array", rows.Select(r => r.FinalAccuracy.Std).ToArray()), ("visible", true)));
            Set(q, "error_y", D(("type", "data"), ("array", rows.Select(r => r.QuantizationError.Std).ToArray()), ("visible", true)));
        }
        var accs = rows.Select(r => r.FinalAccuracy.Mean).Where(x => !double.IsNaN(x)).DefaultIfEmpty(0).ToList();
        var layout = D(("title", D(("text", "Final test accuracy and quantization error per variant"))),
            ("grid", D(("rows", 1), ("columns", 2), ("pattern", "independent"))), ("height", 440),
            ("yaxis", D(("title", D(("text", "test accuracy (%)"))), ("range", new[] { Math.Max(0, accs.Min() - 5), Math.Min(100, accs.Max() + 2) }))),
            ("yaxis2", D(("title", D(("text", "quantization error"))))));
        return Build([a, q], layout);
    }

    /// <summary>
    /// Spike raster of one layer for one input: a mark at (t, neuron) for every spike of the recorded neurons
    /// (<see cref="LayerTrace.Record(Models.SpikingNetwork, Data.ImageDataset, int, string?, int)"/>).
    /// </summary>
    public static GenericChart SpikeRaster(LayerTrace trace)
    {
        ArgumentNullException.ThrowIfNull(trace);
        var xs = new List<int>();
        var ys = new List<int>();
        for (int n = 0; n < trace.NeuronCount; n++)
            for (int t = 0; t < trace.TimeSteps; t++)
                if (trace.Spikes[t, n] > 0.5f) { xs.Add(t); ys.Add(n); }
        var s = NewTrace("scatter");
        Set(s, "name", "spike");
        Set(s, "mode", "markers");
        Set(s, "x", xs.ToArray());
        Set(s, "y", ys.ToArray());
        Set(s, "marker", D(("symbol", "line-ns-open"), ("size", Math.Clamp(600 / Math.Max(1, trace.NeuronCount), 4, 14)), ("color", "#222"), ("line", D(("width", 2)))));
        var layout = Layout($"Spike raster of {trace.Layer}: {trace.NeuronCount} of {trace.LayerSize} neurons, sample {trace.Sample}" +
                            $" (label {trace.Label}, predicted {trace.Prediction}); firing rate {trace.FiringRate:F3}", "timestep t", "neuron (recorded)");
        layout["xaxis"] = D(("title", D(("text", "timestep t"))), ("range", new[] { -0.5, trace.TimeSteps - 0.5 }), ("dtick", 1));
        layout["yaxis"] = D(("title", D(("text", "neuron (recorded)"))), ("range", new[] { -0.5, trace.NeuronCount - 0.5 }));
        return Build([s], layout);
    }

    /// <summary>
    /// One neuron's pre-firing membrane potential over the T timesteps with the threshold (dashed) and its spikes
    /// (red marks); <paramref name="neuron"/> is a column of the trace (default: <see cref="LayerTrace.MostActiveNeuron"/>).
    /// </summary>
    public static GenericChart MembraneTrace(LayerTrace trace, int? neuron = null)
    {
        ArgumentNullException.ThrowIfNull(trace);
        int n = neuron ?? trace.MostActiveNeuron();
        if (n < 0 || n >= trace.NeuronCount) throw new ArgumentOutOfRangeException(nameof(neuron), $"neuron {n} is not among the {trace.NeuronCount} recorded");
        var ts = Enumerable.Range(0, trace.TimeSteps).ToArray();
        var u = trace.PotentialOf(n);
        var o = trace.SpikesOf(n);
        var line = NewTrace("scatter");
        Set(line, "name", "u_pre[t]"); Set(line, "mode", "lines+markers");
        Set(line, "x", ts); Set(line, "y", u);
        Set(line, "line", D(("shape", "linear"), ("color", Palette[0])));
        var th = NewTrace("scatter");
        Set(th, "name", $"threshold V_th = {trace.Threshold.ToString("G3", CultureInfo.InvariantCulture)}"); Set(th, "mode", "lines");
        Set(th, "x", new[] { -0.5, trace.TimeSteps - 0.5 }); Set(th, "y", new[] { trace.Threshold, trace.Threshold });
        Set(th, "line", D(("dash", "dash"), ("color", "#888")));
        var sp = NewTrace("scatter");
        Set(sp, "name", "spike o[t] = 1"); Set(sp, "mode", "markers");
        Set(sp, "x", ts.Where(t => o[t] > 0.5f).ToArray()); Set(sp, "y", ts.Where(t => o[t] > 0.5f).Select(t => u[t]).ToArray());
        Set(sp, "marker", D(("symbol", "star"), ("size", 14), ("color", Palette[1])));
        var layout = Layout($"Membrane potential of neuron {trace.Neurons[n]} in {trace.Layer} (sample {trace.Sample})", "timestep t", "pre-firing potential u_pre");
        layout["xaxis"] = D(("title", D(("text", "timestep t"))), ("dtick", 1));
        return Build([line, th, sp], layout);
    }

    // ---- building blocks -------------------------------------------------------------------------------------------

    static Trace CurveTrace(IReadOnlyList<(int Epoch, Stat Value)> curve, string name, string color, double scale, string dash, string group)
    {
        var t = NewTrace("scatter");
        Set(t, "name", name);
        Set(t, "legendgroup", group);
        Set(t, "mode", "lines+markers");
        Set(t, "x", curve.Select(p => p.Epoch).ToArray());
        Set(t, "y", curve.Select(p => scale * p.Value.Mean).ToArray());
        Set(t, "line", D(("color", color), ("dash", dash)));
        Set(t, "marker", D(("color", color)));
        if (curve.Any(p => p.Value.N > 1))
            Set(t, "error_y", D(("type", "data"), ("array", curve.Select(p => scale * p.Value.Std).ToArray()), ("visible", true)));
        return t;
    }

    static Trace NewTrace(string type) => new Trace2D(type);

    /// <summary>An epoch axis with integer ticks (about ten at most).</summary>
    static Dictionary<string, object> EpochAxis(ResultSet results)
    {
        int last = results.Runs.Select(r => r.LastEpoch).DefaultIfEmpty(1).Max();
        return D(("title", D(("text", "epoch"))), ("tick0", 1), ("dtick", Math.Max(1, (int)Math.Ceiling(last / 10.0))));
    }

    /// <summary>
    /// Sets a property, turning nested dictionaries into the Plotly.NET objects its typed API expects under that key
    /// (Title, LinearAxis, LayoutGrid, Marker, Line, Error, Shape, Font, Legend; other dictionaries become DynamicObj),
    /// so that Plotly.NET's C# and F# functions (withTitle, withXAxisStyle, …) can restyle the kit's charts.
    /// </summary>
    static void Set(DynamicObj.DynamicObj target, string key, object value) => target.SetProperty(key, Convert(key, value));

    static object Convert(string key, object value)
    {
        switch (value)
        {
            case Dictionary<string, object> dict:
                DynamicObj.DynamicObj obj = key switch
                {
                    "title" => new Title(),
                    _ when key.StartsWith("xaxis", StringComparison.Ordinal) || key.StartsWith("yaxis", StringComparison.Ordinal) => new Plotly.NET.LayoutObjects.LinearAxis(),
                    "grid" => new Plotly.NET.LayoutObjects.LayoutGrid(),
                    "marker" => new Plotly.NET.TraceObjects.Marker(),
                    "line" => new Line(),
                    "error_x" or "error_y" => new Plotly.NET.TraceObjects.Error(),
                    "shapes" => new Plotly.NET.LayoutObjects.Shape(),
                    "font" => new Font(),
                    "legend" => new Plotly.NET.LayoutObjects.Legend(),
                    _ => new DynamicObj.DynamicObj(),
                };
                foreach (var (k, v) in dict) obj.SetProperty(k, Convert(k, v));
                return obj;
            case List<object> list when key == "shapes":
                return list.Select(x => (Plotly.NET.LayoutObjects.Shape)Convert("shapes", x)).ToList();
            default:
                return value;
        }
    }

    static Dictionary<string, object> Layout(string title, string xTitle, string yTitle) =>
        D(("title", D(("text", title))), ("xaxis", D(("title", D(("text", xTitle))))), ("yaxis", D(("title", D(("text", yTitle))))));

    static Dictionary<string, object> D(params (string Key, object Value)[] items) => items.ToDictionary(i => i.Key, i => i.Value);

    static GenericChart Build(IReadOnlyList<Trace> traces, Dictionary<string, object> layout)
    {
        var chart = GenericChart.ofTraceObjects(true, traces.ToList());
        var l = new Layout();
        Set(l, "width", 860);
        Set(l, "height", 460);
        foreach (var (k, v) in layout) Set(l, k, v);
        return GenericChart.addLayout(l, chart);
    }
}
