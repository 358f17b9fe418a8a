using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

static partial class Compare
{
    /// <summary>Writes docs/BENCHMARKS.md from one run's results.</summary>
    sealed class Report(Settings s, List<Result> results, Checks checks, List<(Result R, JsonElement At100, JsonElement AtEnd)> soak,
        DateTime started, string loadStart, string loadEnd, string commandLine, double fullSeconds)
    {
        static readonly CultureInfo Ci = CultureInfo.InvariantCulture;
        readonly StringBuilder md = new();

        static string F0(double v) => double.IsNaN(v) ? "–" : v.ToString("F0", Ci);
        static string F1(double v) => double.IsNaN(v) ? "–" : v.ToString("F1", Ci);
        static string F2(double v) => double.IsNaN(v) ? "–" : v.ToString("F2", Ci);
        static string Pct(double v) => double.IsNaN(v) ? "–" : (100 * v).ToString("F0", Ci) + " %";
        static string G2(double v) => v.ToString("0.0e+00", Ci);

        void L(string line = "") => md.AppendLine(line);

        Result? Find(Func<Spec, bool> p) => results.FirstOrDefault(r => p(r.Spec) && r.Ms.Count > 0);

        Result? Step(string work, string net, int t, int th, string who, string loss = "baseline") =>
            Find(x => x.Work == work && x.Net == net && x.T == t && x.Threads == th && x.Who == who && x.Loss == loss && x.Kind != "convs");

        /// <summary>Median time of the convolutions alone: SpikeKit's (<paramref name="layout"/> "spikekit" on the SpikeKit side),
        /// or PyTorch's in a layout ("pytorch": SpikeKit's shapes, "perstep": the snnTorch design's, "multi": all on [T·B]).</summary>
        double? Convs(string net, int t, string layout, bool spikekit = false)
        {
            var r = Find(x => x.Work == "convs" && x.Net == net && x.T == t && x.Side == (spikekit ? Side.SpikeKit : Side.PyTorch));
            if (r is null) return null;
            if (spikekit) return r.Median;
            string key = (layout == "pytorch" ? "spikekit" : layout) + "_ms";
            var v = r.Steps.Where(x => x.TryGetProperty(key, out _)).Select(x => x.GetProperty(key).GetDouble()).ToList();
            return v.Count == 0 ? null : Stat.Quantile(v, 0.5);
        }

        double? SkConvs(string net, int t) => Convs(net, t, "spikekit", spikekit: true);

        Result? SkConvsResult(string net, int t) => Find(x => x.Work == "convs" && x.Net == net && x.T == t && x.Side == Side.SpikeKit);

        /// <summary>SpikeKit ÷ each peer, and ÷ the fastest peer, for one cell of the grid.</summary>
        (Result? Sk, Dictionary<string, Result> Peers, Result? Fastest) Cell(string work, string net, int t, int th, string loss = "baseline")
        {
            var sk = Step(work, net, t, th, "spikekit", loss);
            var peers = new Dictionary<string, Result>();
            foreach (var d in s.Peers)
                if (Step(work, net, t, th, d, loss) is { } r) peers[d] = r;
            var fastest = peers.Values.MinBy(r => r.Median);
            return (sk, peers, fastest);
        }

        public string Write()
        {
            Header();
            Acceptance();
            Summary();
            Roofline();
            PageFaults();
            Profiles();
            Ablation();
            Busy();
            Method();
            Details();
            ChecksSection();
            SoakSection();
            return md.ToString();
        }

        void Header()
        {
            L("# Benchmarks: SpikeKit vs PyTorch peers on the CPU");
            L();
            L("SpikeKit's training and inference workloads timed against three PyTorch implementations of the same networks, on the");
            L("same machine with the same thread count, the steps of all sides interleaved: the **snnTorch design** (a stateful");
            L("neuron called once per timestep, the whole network stepped per timestep), the **SpikingJelly design** (multi-step");
            L("layers on `[T·B, ...]`, `LIFNode` with its `torch` backend) and the harness's **original naive peer** (kept for");
            L("continuity). The peers are plain PyTorch code written after the frameworks' published designs (the frameworks are not");
            L("installed here); what each side does, and where the designs differ in meaning, is under [What each side does](#what-each-side-does).");
            L("All ratios are SpikeKit's median over a peer's median from the same run (below 1: SpikeKit faster); the first ratio");
            L("of every row is against the **fastest** peer of that row.");
            L();
            L("Reproduce (from the repository root; needs Debian's `python3-torch` for the peers and the Debian package");
            L("`dataset-fashion-mnist` for the epoch workload):");
            L();
            L("```bash");
            L("dotnet run -c Release --project tests/SpikeKit.Benchmarks -- compare");
            L("```");
            L();
            L($"It rewrites this file in about **{fullSeconds / 60:F0} minutes** on the 2-core Xeon below (`--plan` prints the groups,");
            L("rounds and the expected duration without running anything). `--quick` gives a short smoke run (few rounds, small");
            L("epoch and LIF shapes). `--threads 1,2` (default) and `--t 1,2,4,8,16` (default) set the grid; `--only` takes any of");
            L($"`{string.Join(",", AllParts)}`; `--peers snntorch,spikingjelly,naive`, `--rounds N`, `--warmup N`,");
            L("`--lif-t`, `--lif-rounds`, `--epoch-samples`, `--epoch-rounds`, `--soak-steps`, `--soak-python`, `--resnet-width`,");
            L("`--naive-max-t` (default 8: the naive peer is left out of the T = 16 groups, where its per-step selects make a step take");
            L("several seconds), `--out FILE` adjust it. `peer-check` runs only the check that the peers compute SpikeKit's values.");
            L();
        }

        void Acceptance()
        {
            L("## Acceptance figures (T = 4)");
            L();
            L("| Figure | threads | value | target | status |");
            L("|---|---:|---:|---:|---|");
            bool any = false;
            foreach (var (title, work, net) in new[] { ("reference CNN training step, SpikeKit ÷ fastest peer", "train", "cnn"),
                         ("ResNet-20 ×0.25 training step, SpikeKit ÷ fastest peer", "train", "resnet20"),
                         ("inference pass of the reference CNN (eval, no grad), SpikeKit ÷ fastest peer", "infer", "cnn"),
                         ("inference pass of ResNet-20 ×0.25 (eval, no grad), SpikeKit ÷ fastest peer", "infer", "resnet20") })
                foreach (int th in s.Threads.Take(2))
                {
                    var (sk, _, fastest) = Cell(work, net, 4, th);
                    if (sk is null || fastest is null) continue;
                    double r = sk.Median / fastest.Median;
                    L($"| {title} ({Short(fastest.Spec.Who)}) | {th} | **{F2(r)}** | ≤ 0.50 | {(r <= 0.5 ? "met" : "**not met**")} |");
                    any = true;
                }
            if (Overhead("cnn", 4) is { } o)
            {
                L($"| non-convolution overhead of SpikeKit's reference-CNN step, (step − convolutions) / convolutions | {s.Threads[0]} | **{Pct(o)}** | ≤ 40 % | {(o <= 0.40 ? "met" : "**not met**")} |");
                any = true;
            }
            if (!any) L("| (not measured in this run) | | | | |");
            L();
        }

        double? Overhead(string net, int t)
        {
            var sk = Step("train", net, t, s.Threads[0], "spikekit");
            var c = SkConvs(net, t);
            return sk is null || c is null ? null : (sk.Median - c.Value) / c.Value;
        }

        void Summary()
        {
            L("## Results (CE on the mean output over T unless the row says RMP; ms = median per step)");
            L();
            var peers = s.Peers;
            L($"| Workload | T | threads | **÷ fastest peer** | {string.Join(" | ", peers.Select(p => "÷ " + Short(p)))} | SpikeKit ms | " +
              $"{string.Join(" | ", peers.Select(p => Short(p) + " ms"))} | peak RSS MiB SpikeKit / fastest |");
            L($"|---|---:|---:|---:|{string.Concat(peers.Select(_ => "---:|"))}---:|{string.Concat(peers.Select(_ => "---:|"))}---:|");
            void Row(string title, string work, string net, int t, int th, string loss = "baseline")
            {
                var (sk, ps, fastest) = Cell(work, net, t, th, loss);
                if (sk is null || fastest is null) return;
                L($"| {title} | {t} | {th} | **{F2(sk.Median / fastest.Median)}** ({Short(fastest.Spec.Who)}) | " +
                  string.Join(" | ", peers.Select(p => ps.TryGetValue(p, out var r) ? F2(sk.Median / r.Median) : "–")) +
                  $" | {F1(sk.Median)} | " + string.Join(" | ", peers.Select(p => ps.TryGetValue(p, out var r) ? F1(r.Median) : "–")) +
                  $" | {F0(sk.PeakMiB)} / {F0(fastest.PeakMiB)} |");
            }
            string w = s.ResNetWidth.ToString(Ci);
            foreach (var (title, work, net) in new[] { ("reference CNN, training step", "train", "cnn"), ($"ResNet-20 ×{w}, training step", "train", "resnet20"),
                         ("reference CNN, inference pass", "infer", "cnn"), ($"ResNet-20 ×{w}, inference pass", "infer", "resnet20") })
                foreach (int th in s.Threads)
                    foreach (int t in s.Ts)
                        Row(title, work, net, t, th);
            Row("reference CNN, training step, CE + 0.5·RMP", "train", "cnn", 4, s.Threads[0], "rmp");
            Row($"ResNet-20 ×{w}, training step, CE + 0.5·RMP", "train", "resnet20", 4, s.Threads[0], "rmp");
            if (Find(x => x.Work == "epoch" && x.Who == "spikekit") is { } ep && Find(x => x.Work == "epoch" && x.Side == Side.PyTorch) is { } pe)
                L($"| Fashion-MNIST epoch ({s.EpochSamples} samples), end to end | 4 | {s.Threads[0]} | **{F2(ep.Median / pe.Median)}** ({Short(pe.Spec.Who)}) | " +
                  string.Join(" | ", peers.Select(p => p == pe.Spec.Who ? F2(ep.Median / pe.Median) : "–")) + $" | {F0(ep.Median)} | " +
                  string.Join(" | ", peers.Select(p => p == pe.Spec.Who ? F0(pe.Median) : "–")) + $" | {F0(ep.PeakMiB)} / {F0(pe.PeakMiB)} |");
            L();
            var lifRows = s.LifSteps.Select(t => (t, Find(x => x.Work == "lif" && x.T == t && x.Label == "SpikeKit fused"), Find(x => x.Work == "lif" && x.T == t && x.Side == Side.PyTorch),
                Find(x => x.Work == "lif" && x.T == t && x.Label == "SpikeKit op-by-op"))).Where(x => x.Item2 is not null && x.Item3 is not null).ToList();
            if (lifRows.Count > 0)
            {
                L($"Multi-step LIF alone, forward + backward on `[T, 64, {s.LifFeatures}]` (spikes only, fixed upstream gradient), {s.Threads[0]} thread:");
                L();
                L("| T | SpikeKit fused ms | PyTorch op-by-op ms (the naive peer's loop) | fused ÷ PyTorch | SpikeKit op-by-op ms | fused speed-up over SpikeKit op-by-op | peak RSS MiB fused / PyTorch |");
                L("|---:|---:|---:|---:|---:|---:|---:|");
                foreach (var (t, fu, py, ob) in lifRows)
                    L($"| {t} | {F1(fu!.Median)} | {F1(py!.Median)} | **{F2(fu.Median / py.Median)}** | {(ob is null ? "–" : F1(ob.Median))} | {(ob is null ? "–" : F2(ob.Median / fu.Median) + "×")} | {F0(fu.PeakMiB)} / {F0(py.PeakMiB)} |");
                L();
            }
            var facts = new List<string>();
            if (checks.Lif is { } ch)
                facts.Add($"fused vs op-by-op LIF at T = 8: {ch.SpikeMismatch} spikes differ, max |Δ grad| {ch.FusedVsOpByOpGrad.ToString("G3", Ci)}; " +
                          $"recompute vs saved potentials: max |Δ grad| {ch.RecomputeGrad.ToString("G3", Ci)}");
            if (Find(x => x.Work == "epoch" && x.Who == "spikekit") is { } e)
            {
                double share = Stat.Quantile(e.Steps.Select(x => x.GetProperty("data_ms").GetDouble()).ToList(), 0.5) / e.Median;
                facts.Add($"data loading share of a SpikeKit epoch: **{(100 * share).ToString("F1", Ci)} %**");
            }
            if (soak.FirstOrDefault(x => x.R.Spec.Side == Side.SpikeKit) is { R: not null } sk)
                facts.Add($"SpikeKit live tensors at step {Math.Min(100, s.SoakSteps)} / {s.SoakSteps}: **{sk.At100.GetProperty("live_tensors")} / {sk.AtEnd.GetProperty("live_tensors")}**, " +
                          $"peak RSS {F0(sk.At100.GetProperty("peak_rss_mib").GetDouble())} / {F0(sk.AtEnd.GetProperty("peak_rss_mib").GetDouble())} MiB");
            foreach (var f in facts) L($"- {f}");
            if (facts.Count > 0) L();
        }

        void Roofline()
        {
            var nets = new[] { "cnn", "resnet20" }.Where(n => s.Ts.Any(t => SkConvs(n, t) is not null)).ToList();
            if (nets.Count == 0) return;
            L($"## Convolutions alone: the roofline of each step ({s.Threads[0]} thread)");
            L();
            L("The harness times the network's convolutions by themselves, forward + backward with the shapes and kinds of input of one");
            L("training step (weight gradients everywhere, input gradients everywhere but on the image; the stem on a random image, the");
            L("others on spikes, 0/1 with 20 % ones, which SpikeKit's channels-last convolution of spikes reads as bits; the reference");
            L("CNN's second convolution reads pooled spikes in its step, where both sides run LibTorch's convolution, whose time does");
            L("not depend on the values), in workers of the same group as the steps:");
            L("on SpikeKit (TorchSharp, LibTorch 2.10) with SpikeKit's shapes (the stem once on `[B, ...]`, the rest on `[T·B, ...]`),");
            L("and on PyTorch 1.13 with the same shapes and with the peers' own layouts (snnTorch: every convolution on `[B, ...]`,");
            L("T times; SpikingJelly: all on `[T·B, ...]`, the stem included). **Overhead** = (step − convolutions) / convolutions:");
            L("the time a step spends outside the convolutions, per unit of convolution time (0 % would be a step that only convolves).");
            L("Both convolution workers run with SpikeKit's malloc thresholds (those of a process with a `Trainer`), so the two columns");
            L("compare the convolution libraries; the peers' steps run with glibc's defaults, so their overheads include page faults.");
            L();
            foreach (var net in nets)
            {
                L($"**{(net == "cnn" ? "Reference CNN" : $"ResNet-20 ×{s.ResNetWidth.ToString(Ci)}")}** (forward GMAC of the convolutions at T = 4: " +
                  $"{(SkConvsResult(net, 4) is { } c4 && c4.Ready.TryGetProperty("gmacs_forward", out var gm) ? gm.GetDouble().ToString("F2", Ci) : "–")})");
                L();
                L("| T | SpikeKit step ms | SpikeKit convolutions ms | **SpikeKit overhead** | PyTorch 1.13 convolutions, SpikeKit's shapes ms | " +
                  "snnTorch design: step / convolutions per step ms, overhead | SpikingJelly design: step / convolutions on [T·B] ms, overhead | naive: step ms, overhead vs SpikeKit's shapes |");
                L("|---:|---:|---:|---:|---:|---:|---:|---:|");
                foreach (int t in s.Ts)
                {
                    var sk = Step("train", net, t, s.Threads[0], "spikekit");
                    var c = SkConvs(net, t);
                    if (sk is null || c is null) continue;
                    var pc = Convs(net, t, "pytorch");
                    string PeerCell(string who, double? conv)
                    {
                        var st = Step("train", net, t, s.Threads[0], who);
                        return st is null || conv is null ? "–" : $"{F0(st.Median)} / {F0(conv.Value)}, {Pct((st.Median - conv.Value) / conv.Value)}";
                    }
                    L($"| {t} | {F1(sk.Median)} | {F1(c.Value)} | **{Pct((sk.Median - c.Value) / c.Value)}** | {(pc is null ? "–" : F1(pc.Value))} | " +
                      $"{PeerCell("snntorch", Convs(net, t, "perstep"))} | {PeerCell("spikingjelly", Convs(net, t, "multi"))} | {PeerCell("naive", pc)} |");
                }
                L();
            }
        }

        /// <summary>Median minor page faults per step (NaN when the workers did not report them).</summary>
        static double Faults(Result? r)
        {
            if (r is null) return double.NaN;
            var v = r.Steps.Where(x => x.TryGetProperty("minflt", out _)).Select(x => x.GetProperty("minflt").GetDouble()).ToList();
            return v.Count == 0 ? double.NaN : Stat.Quantile(v, 0.5);
        }

        static string K(double v) => double.IsNaN(v) ? "–" : v >= 10000 ? (v / 1000).ToString("F0", Ci) + "k" : v.ToString("F0", Ci);

        void PageFaults()
        {
            var nets = new[] { "cnn", "resnet20" }.Where(n => s.Ts.Any(t => Step("train", n, t, s.Threads[0], "spikekit") is { } r && !double.IsNaN(Faults(r)))).ToList();
            if (nets.Count == 0) return;
            L($"**Minor page faults per training step** ({s.Threads[0]} thread, medians). Each fault maps a fresh 4 KiB page that the kernel");
            L("zero-fills: the cost of tensors that glibc serves from new mappings instead of reusing heap memory (above 32 MiB, the");
            L("most glibc's mmap threshold can be; with glibc's defaults also below it, until its dynamic threshold has grown).");
            L();
            L($"| Network | T | SpikeKit | {string.Join(" | ", s.Peers.Select(Short))} |");
            L($"|---|---:|---:|{string.Concat(s.Peers.Select(_ => "---:|"))}");
            foreach (var net in nets)
                foreach (int t in s.Ts)
                {
                    var sk = Step("train", net, t, s.Threads[0], "spikekit");
                    if (sk is null) continue;
                    L($"| {(net == "cnn" ? "reference CNN" : "ResNet-20")} | {t} | {K(Faults(sk))} | {string.Join(" | ", s.Peers.Select(p => K(Faults(Step("train", net, t, s.Threads[0], p)))))} |");
                }
            L();
        }

        static Dictionary<string, double> Medians(Result r)
        {
            var keys = r.Steps.SelectMany(x => x.EnumerateObject().Select(p => p.Name)).Distinct().Where(k => k != "ms");
            return keys.ToDictionary(k => k, k => Stat.Quantile(r.Steps.Where(x => x.TryGetProperty(k, out _)).Select(x => x.GetProperty(k).GetDouble()).ToList(), 0.5));
        }

        void Profiles()
        {
            var cnn = Find(x => x.Work == "profile" && x.Net == "cnn");
            var resnet = Find(x => x.Work == "profile" && x.Net == "resnet20");
            var tp = results.Where(r => r.Spec.Work == "torchprofile" && r.Steps.Count > 0).ToList();
            if (cnn is null && resnet is null && tp.Count == 0) return;
            L($"## Where the time goes (T = 4, {s.Threads[0]} thread, CE loss)");
            L();
            foreach (var r in new[] { cnn, resnet })
            {
                if (r is null) continue;
                var m = Medians(r);
                bool isCnn = r.Spec.Net == "cnn";
                double trainStep = m.GetValueOrDefault("phase|trainstep", double.NaN);
                L($"### SpikeKit, {(isCnn ? "reference CNN" : $"ResNet-20 ×{s.ResNetWidth.ToString(Ci)}")}: component profile ({r.Ms.Count} rounds, medians)");
                L();
                L("Each layer timed alone in the step's own modules and shapes (forward, then backward with a fixed upstream gradient;");
                L("the faster of two passes), then one step cut at its phases by split timers, and a whole `Trainer.TrainStep`");
                L("(medians over the rounds). The layers' sum misses only the glue between them (views, the stem's expand, dispose scopes).");
                L();
                var layers = m.Keys.Where(k => k.StartsWith("layer|", StringComparison.Ordinal) && k.EndsWith("|fwd", StringComparison.Ordinal))
                    .Select(k => k[..^4]).OrderBy(k => k, StringComparer.Ordinal).ToList();
                var rows = layers.Select(k =>
                {
                    var p = k.Split('|');
                    double f = m[k + "|fwd"], b = m[k + "|bwd"];
                    return (Cat: p[2], Name: p[3], Fwd: f, Bwd: b, Both: f + b);
                }).ToList();
                L("| Component | forward ms | backward ms | forward + backward ms | share of TrainStep |");
                L("|---|---:|---:|---:|---:|");
                if (isCnn)
                    foreach (var x in rows)
                        L($"| {x.Cat}: `{x.Name}` | {F1(x.Fwd)} | {F1(x.Bwd)} | {F1(x.Both)} | {Pct(x.Both / trainStep)} |");
                else
                    foreach (var g in rows.GroupBy(x => x.Cat == "conv" && x.Name == "conv" ? "conv (stem, once on [B])" : x.Cat))
                        L($"| {g.Key} ×{g.Count()} | {F1(g.Sum(x => x.Fwd))} | {F1(g.Sum(x => x.Bwd))} | {F1(g.Sum(x => x.Both))} | {Pct(g.Sum(x => x.Both) / trainStep)} |");
                double sumF = rows.Sum(x => x.Fwd), sumB = rows.Sum(x => x.Bwd);
                L($"| **sum of the layers** | **{F1(sumF)}** | **{F1(sumB)}** | **{F1(sumF + sumB)}** | **{Pct((sumF + sumB) / trainStep)}** |");
                double fwd = m.GetValueOrDefault("phase|forward", double.NaN), loss = m.GetValueOrDefault("phase|loss", double.NaN);
                double bwd = m.GetValueOrDefault("phase|backward", double.NaN), opt = m.GetValueOrDefault("phase|optimizer", double.NaN);
                double fl = fwd + loss, flb = fl + bwd;
                L();
                L("| Phase of the step | ms | share of TrainStep |");
                L("|---|---:|---:|");
                L($"| model forward (training mode, graph recorded) | {F1(fwd)} | {Pct(fwd / trainStep)} |");
                L($"| loss (CE on the mean output) | {F1(fl - fwd)} | {Pct((fl - fwd) / trainStep)} |");
                L($"| backward | {F1(flb - fl)} | {Pct((flb - fl) / trainStep)} |");
                L($"| optimizer step (SGD, momentum, weight decay) | {F1(opt)} | {Pct(opt / trainStep)} |");
                L($"| rest of TrainStep (zero_grad, read-outs, gen-0 GC, dispose) | {F1(trainStep - flb - opt)} | {Pct((trainStep - flb - opt) / trainStep)} |");
                L($"| **Trainer.TrainStep** | **{F1(trainStep)}** | 100 % |");
                L();
                if (SkConvs(r.Spec.Net, 4) is { } c)
                    L($"Convolutions alone (roofline worker of the T = 4 group): {F1(c)} ms; layers other than convolutions: " +
                      $"{F1(rows.Where(x => x.Cat != "conv").Sum(x => x.Both))} ms forward + backward.");
                L();
            }
            foreach (var r in tp)
            {
                var ops = r.Steps[0].GetProperty("ops").EnumerateArray().ToList();
                double total = r.Steps[0].GetProperty("total_self_ms").GetDouble();
                L($"### {r.Spec.Label}, {(r.Spec.Net == "cnn" ? "reference CNN" : "ResNet-20")}: top ops by self CPU time");
                L();
                L($"`torch.profiler` (CPU activities) over {(r.Ready.TryGetProperty("steps", out var st) ? st.ToString() : "?")} training steps after two warm-up steps; " +
                  $"per step: {F0(total)} ms of self CPU time in ops (the profiler's own overhead included; shares are the figures to read).");
                L();
                L("| op | self CPU ms / step | share | calls / step |");
                L("|---|---:|---:|---:|");
                foreach (var op in ops)
                    L($"| `{op.GetProperty("name").GetString()}` | {F1(op.GetProperty("self_ms").GetDouble())} | {Pct(op.GetProperty("share").GetDouble())} | {F0(op.GetProperty("calls").GetDouble())} |");
                L();
            }
        }

        /// <summary>The ablation row each variant is compared with (its label prefix).</summary>
        static string? AblationReference(string label) =>
            label.StartsWith("naive − potentials, ", StringComparison.Ordinal) || label.StartsWith("naive − potentials kept and stacked:", StringComparison.Ordinal) ? "naive − potentials kept and stacked"
            : label.StartsWith("naive", StringComparison.Ordinal) && !label.StartsWith("naive (baseline", StringComparison.Ordinal) ? "naive (baseline"
            : label.StartsWith("snnTorch design with", StringComparison.Ordinal) || label.StartsWith("snnTorch design:", StringComparison.Ordinal) ? "snnTorch design"
            : label.StartsWith("SpikingJelly", StringComparison.Ordinal) ? "naive (baseline"
            : label.StartsWith("SpikeKit,", StringComparison.Ordinal) || label.StartsWith("SpikeKit without", StringComparison.Ordinal) ? "SpikeKit"
            : null;

        void Ablation()
        {
            var list = results.Where(r => r.Spec.Work == "ablation" && r.Ms.Count > 0).ToList();
            if (list.Count == 0) return;
            Result? A(string prefix) => list.FirstOrDefault(r => r.Spec.Label == prefix) ?? list.FirstOrDefault(r => r.Spec.Label.StartsWith(prefix, StringComparison.Ordinal));
            static double Half(Result r) => (Stat.Quantile(r.Ms, 0.75) - Stat.Quantile(r.Ms, 0.25)) / 2;
            // Two identical workers differ by more than their within-process spread (memory layout, scheduling): the floor.
            var twins = new[] { (A("naive − potentials kept and stacked:"), A("naive − potentials kept and stacked")), (A("snnTorch design:"), A("snnTorch design")) }
                .Where(p => p.Item1 is not null && p.Item2 is not null).Select(p => Math.Abs(p.Item1!.Median - p.Item2!.Median)).ToList();
            double floor = twins.Count == 0 ? 0 : twins.Max();
            L($"## Why the original peer was slow: ablation (reference CNN, T = 4, {s.Threads[0]} thread, one group, interleaved)");
            L();
            L("Each variant changes one thing against the row named in \"compared with\"; Δ = difference of the medians,");
            L("± the mean half-width of the two p25–p75 ranges. Pairs of identical workers (the rows marked process-to-process noise)");
            L($"differ by up to {(twins.Count == 0 ? "–" : F0(floor))} ms: a Δ below the larger of the two is within the noise of this run.");
            L();
            L("| Variant | median ms | p25–p75 | compared with | Δ ms | page faults / step | peak RSS MiB |");
            L("|---|---:|---:|---|---:|---:|---:|");
            foreach (var r in list)
            {
                var refName = AblationReference(r.Spec.Label);
                var rr = refName is null ? null : A(refName);
                string delta = rr is null || rr == r ? "" : $"{(r.Median >= rr.Median ? "+" : "−")}{F0(Math.Abs(r.Median - rr.Median))} ± {F0((Half(r) + Half(rr)) / 2)}";
                L($"| {r.Spec.Label} | {F1(r.Median)} | {F1(Stat.Quantile(r.Ms, 0.25))}–{F1(Stat.Quantile(r.Ms, 0.75))} | {(rr is null || rr == r ? "" : rr.Spec.Label)} | {delta} | {K(Faults(r))} | {F0(r.PeakMiB)} |");
            }
            L();
            string Say(Result? a, Result? b)
            {
                if (a is null || b is null) return "(not measured)";
                double d = a.Median - b.Median, noise = Math.Max(floor, (Half(a) + Half(b)) / 2);
                string v = $"**{(d >= 0 ? "+" : "−")}{F0(Math.Abs(d))} ms** (± {F0(noise)})";
                return Math.Abs(d) <= noise ? v + ", within the noise" : v;
            }
            var baseNaive = A("naive (baseline");
            var lean = A("naive − potentials kept");
            var rmp = A("naive + RMP");
            var snn = A("snnTorch design");
            var snnMalloc = A("snnTorch design with");
            var sj = A("SpikingJelly design");
            var sk = A("SpikeKit");
            var skNoTune = A("SpikeKit without");
            L("What each change does to the step (Δ of the first against the second; the mechanism after it):");
            L();
            L($"- **The RMP term**, naive + RMP vs naive: {Say(rmp, baseNaive)}. The original peer ran CE + 0.5·RMP by default (the");
            L("  independent measurement, and the headline figures here, use plain CE). The term stacks the potentials of every layer");
            L("  (a `[T, B, ...]` copy), computes clamp, difference, square and mean on them and backpropagates through all of it");
            L("  (`clamp`'s backward is a `where` over the whole tensor), an extra gradient into every potential of the BPTT graph;");
            L("  SpikeKit's fused RMP kernel does it in one pass (RMP rows of the results table).");
            L($"- **Keeping and stacking the potentials** when nothing reads them, naive vs naive − potentials: {Say(baseNaive, lean)}.");
            L($"- **Per-step inputs as `x[t]`** on the folded `[T, B, ...]` tensor, x[t] vs unbind: {Say(lean, A("naive − potentials, per-step inputs by unbind"))}.");
            L("  The backward of each select writes the step's gradient into a freshly zero-filled tensor of the *whole* `[T, B, ...]`");
            L("  input, and autograd adds the T of them: T full-size fills and T − 1 full-size additions per spiking layer, memory");
            L("  traffic that grows as T² (`aten::fill_` and `aten::add` are at the top of the multi-step designs' profiles). Views");
            L("  from `x.unbind(0)` have a backward that stacks the T step gradients once. The SpikingJelly design has the same");
            L("  selects (`x_seq[t]` in `LIFNode`'s loop); the snnTorch design has none (its layers make a separate tensor per step).");
            L($"- **The gradient through the reset `(1 − o)`**, with vs detached (snnTorch's behaviour): {Say(lean, A("naive − potentials, reset detached"))}.");
            L($"- **The spike as a custom autograd Function** vs the detach trick `H.detach() + g − g.detach()`: {Say(lean, A("naive − potentials, spike by"))}.");
            L($"- **Two SGD parameter groups** vs one: {Say(lean, A("naive − potentials, one SGD"))} (8 parameter tensors).");
            L($"- **Stem once and expanded** vs repeated over T (SpikingJelly's tutorial): {Say(lean, A("naive − potentials, stem repeated"))}.");
            L($"- **glibc's allocator.** SpikeKit fixes malloc's thresholds for training (`TorchNative.TuneAllocator`) so that the big");
            L("  activation tensors are reused from the heap instead of being mapped and page-faulted in at every step; PyTorch runs");
            L($"  with glibc's defaults. snnTorch design vs the same with SpikeKit's thresholds (`MALLOC_MMAP_THRESHOLD_`,");
            L($"  `MALLOC_TRIM_THRESHOLD_`): {Say(snn, snnMalloc)}; SpikeKit without its tuning vs with: {Say(skNoTune, sk)}.");
            L($"- **SpikingJelly design vs naive**: {Say(sj, baseNaive)}: its tutorial repeats the input over T (the stem's convolution");
            L("  and BN run on `[T·B, ...]`), and its reset `(1 − s)·v + s·v_reset` and the first step's `full_like` add whole-tensor ops.");
            if (rmp is not null && snn is not null && sk is not null)
                L($"- In this group the original peer as it was run takes **{F2(rmp.Median / snn.Median)}×** the snnTorch design's time" +
                  (sj is null ? "" : $" and **{F2(rmp.Median / sj.Median)}×** the SpikingJelly design's") +
                  $"; SpikeKit ÷ the original peer as run = {F2(sk.Median / rmp.Median)}, SpikeKit ÷ the snnTorch design = {F2(sk.Median / snn.Median)}.");
            L();
        }

        void Busy()
        {
            var list = results.Where(r => r.Spec.Work == "busy" && r.Ms.Count > 0).ToList();
            if (list.Count == 0) return;
            int th = list[0].Spec.Threads;
            L($"## Busy machine: {th} threads while another process keeps both cores busy");
            L();
            L("A second process (the harness's `worker spin`: 2 threads spinning on arithmetic, normal priority) runs from the first");
            L("to the last round of this group; quiet = the same workload's median in the grid above (same run, other rounds).");
            L();
            L("| Side | quiet ms | busy ms | slowdown | p25–p75 busy |");
            L("|---|---:|---:|---:|---:|");
            foreach (var r in list)
            {
                var quiet = Step("train", "cnn", 4, th, r.Spec.Who);
                L($"| {r.Spec.Label} | {(quiet is null ? "–" : F1(quiet.Median))} | {F1(r.Median)} | {(quiet is null ? "–" : F2(r.Median / quiet.Median) + "×")} | " +
                  $"{F1(Stat.Quantile(r.Ms, 0.25))}–{F1(Stat.Quantile(r.Ms, 0.75))} |");
            }
            var sk = list.FirstOrDefault(r => r.Spec.Who == "spikekit");
            var pe = list.FirstOrDefault(r => r.Spec.Side == Side.PyTorch);
            if (sk is not null && pe is not null) L($"\nSpikeKit ÷ {Short(pe.Spec.Who)} on the busy machine: **{F2(sk.Median / pe.Median)}**.");
            L();
        }

        void Method()
        {
            var anySk = results.Concat(soak.Select(x => x.R)).FirstOrDefault(r => r.Spec.Side == Side.SpikeKit && r.Ready.ValueKind == JsonValueKind.Object);
            var anyPy = results.FirstOrDefault(r => r.Spec.Side == Side.PyTorch && r.Ready.ValueKind == JsonValueKind.Object);
            string Str(Result? r, string key) => r is not null && r.Ready.TryGetProperty(key, out var v) ? v.ToString() : "?";
            L("## How it measures");
            L();
            L("Every variant of a workload runs in its own worker process (SpikeKit: `tests/SpikeKit.Benchmarks worker ...`;");
            L("PyTorch: `tests/reference/bench_peer.py worker ...`). The `compare` command starts all workers of a group (one");
            L("workload at one T and thread count), then steps them **in alternation**, one step each per round, the first worker");
            L("of round r being worker r mod n, so all sides see the same background load; it reports the **median** (and the");
            L("25th–75th percentile) of the timed steps after warm-up steps (30 after 5 at T = 4, fewer at other T; the counts are in the detail");
            L("tables). Peak memory is the worker process's peak resident set (`VmHWM` in `/proc/self/status`, read the same way on");
            L("both sides) after all its steps; \"before\" is the RSS after setup, before the first step.");
            L();
            L("The machine may be shared with other jobs (see the load averages), so absolute times are noisy; the ratios come from");
            L("interleaved steps and are the figures to read. The main figures use 1 intra-op thread per side; 2 threads on a 2-core");
            L("machine are only as good as the other core is idle (see the busy-machine section).");
            L();
            L("## Machine and versions");
            L();
            L($"- CPU: {CpuModel()} ({Environment.ProcessorCount} logical cores); intra-op threads: {string.Join(", ", s.Threads)} per side");
            L($"- Load average (1, 5, 15 min) at start: {string.Join(' ', loadStart.Split(' ').Take(3))}; at end: {string.Join(' ', loadEnd.Split(' ').Take(3))}");
            L($"- SpikeKit: .NET {Str(anySk, "dotnet")}, TorchSharp-cpu {Str(anySk, "torchsharp")}, LibTorch {Str(anySk, "libtorch")} (bundles MKL and oneDNN)");
            L($"- PyTorch: {Str(anyPy, "torch")} (Debian `python3-torch`), Python {Str(anyPy, "python")}; BLAS and oneDNN libraries mapped: " +
              (anyPy is not null && anyPy.Ready.TryGetProperty("blas", out var blas) ? string.Join(", ", blas.EnumerateArray().Select(b => $"`{b.GetString()}`")) : "?") +
              " (Debian's default `libblas.so.3` alternative is the netlib reference BLAS: PyTorch's linear layers run on it, its convolutions on oneDNN)");
            string options = commandLine.StartsWith("compare", StringComparison.Ordinal) ? commandLine["compare".Length..].Trim() : commandLine.Trim();
            L($"- Run: {started:yyyy-MM-dd HH:mm} UTC, {(DateTime.UtcNow - started).TotalMinutes:F0} minutes, `{("compare " + options).Trim()}`");
            L();
            L("## What each side does");
            L();
            L("- Same networks on all sides: the reference CNN (conv 1→32, BN, LIF, avg-pool 2, conv 32→64, BN, LIF, avg-pool 2,");
            L($"  linear 3136→10) on `[64, 1, 28, 28]` and SpikeKit's spiking ResNet-20 at width {s.ResNetWidth.ToString(Ci)} on `[64, 3, 32, 32]`; LIF τ = 0.25");
            L("  (`u = τ·u + x`), V_th = 0.5, hard reset, tanh surrogate (k = 3), BN (SpikeKit `NormKind.BN`: tdBN with α·V_th = 1,");
            L("  i.e. plain BN over T·B), float32, batch 64; CE on the mean output over T (RMP rows: + 0.5·RMP-Loss, the mean over");
            L("  spiking layers of mean((clip(u_pre, 0, 1) − o.detach())²)); SGD lr 0.1, momentum 0.9, weight decay 1e-4 on rank ≥ 2");
            L("  parameters; the step reads the loss and the accuracy. Inference: eval mode, no grad, forward + CE + accuracy.");
            L("  Random inputs are fixed per worker (timing does not depend on them beyond the firing rates).");
            L("- **SpikeKit**: the library as a user gets it. LIF = the fused multi-step kernel (`FusedLif`: one autograd node for all T,");
            L("  forward and BPTT backward as vectorized C# loops). Training step = `Trainer.TrainStep` with `CompositeLoss.Baseline`");
            L("  (RMP rows: `.With(new RmpLoss(), 0.5)`; forward, loss, backward, SGD, read-outs, a gen-0 GC, `malloc_trim` every 20");
            L("  steps). The stem (first conv + BN) runs once on `[B, ...]` and is expanded over T; the first LIF reads it in place.");
            L("  The ResNet's activations are channels-last (its default `SpikingNetwork.Layout`; the CNN's row-major); the peers'");
            L("  are PyTorch's default, row-major, as their users run them.");
            L("  Inference = what `Trainer.Evaluate` does per batch: `eval()`, no activity recording, `no_grad`, a dispose scope.");
            L("- **snnTorch design** (`peer_nets.SnnCnn`, `SnnResNet20`): the whole network stepped per timestep, as snnTorch's");
            L("  tutorials write it (`for t in range(T): cur1 = bn1(conv1(x)); spk1, mem1 = lif1(cur1, mem1); ...`), outputs recorded");
            L("  per step and stacked; every convolution, BN, pooling and linear layer on `[B, ...]` at every step (the stem too). The");
            L("  neuron is a Leaky-style module as snnTorch runs it with `reset_mechanism=\"zero\"`: the reset signal recomputed at");
            L("  each step from the previous membrane through the surrogate Function and detached, `mem = (1 − reset)·mem`, then");
            L("  `mem = β.clamp(0, 1)·mem + input`, spike = surrogate(mem − V_th) × graded-spike factor; the spike a Heaviside");
            L("  autograd Function with the tanh surrogate in backward. **Differences in meaning**: no gradient through the reset");
            L("  (snnTorch always detaches it), and BN takes its statistics per timestep over B (and updates its running statistics");
            L("  T times per forward) instead of over T·B. Forward values are otherwise identical (checked below).");
            L("- **SpikingJelly design** (`peer_nets.SjCnn`, `SjResNet20`): multi-step mode; `layer.Conv2d` / `BatchNorm2d` / pooling");
            L("  / `Flatten` = stateless layers on `[T·B, ...]` (SeqToANNContainer), the input repeated over T as its Fashion-MNIST");
            L("  tutorial does; `LIFNode` with the `torch` backend = a Python loop over T of single-step charge, fire, reset on");
            L("  `[B, ...]` (TorchScript charge and reset functions, the surrogate an autograd Function with a TorchScript backward),");
            L("  `functional.reset_net` after every step; eval mode uses SpikingJelly's TorchScript multi-step loop. The charge");
            L("  `LIFNode(decay_input=False, v_reset=0)` is `v = v·(1 − 1/τ) + x`, so τ = 4/3 gives exactly `u = 0.25·u + x`; the");
            L("  reset is `(1 − s)·v + s·v_reset` with v_reset = 0 and `detach_reset=False` (its default), so values and gradients");
            L("  equal SpikeKit's. For the RMP rows the node also keeps the charged (pre-reset) potential of every step.");
            L("- **naive** (the original peer, `peer_nets.NaiveCnn`): multi-step layers on `[T·B, ...]`, the stem once and expanded,");
            L("  an op-by-op LIF loop over `x[t]` (`u = τ·u + x[t]; o = spike(u − V_th); u = u·(1 − o)`, gradient through the reset),");
            L("  the spike a custom autograd Function, the potentials always kept and stacked. The old report ran it with CE + 0.5·RMP.");
            L("- **LIF micro-benchmark**: unchanged (SpikeKit's fused / recompute / op-by-op LIF vs the naive peer's op-by-op loop).");
            L("  **Epoch** and **soak** (`--soak-python`) use the fastest peer design of the run; the epoch trains on the first");
            L($"  {s.EpochSamples} images (SpikeKit: a class-stratified subset), batch 64, reshuffled each epoch, after 3 warm-up steps.");
            L();
        }

        void Details()
        {
            L("## Details per group");
            L();
            foreach (var group in results.Where(r => r.Spec.Work is not ("torchprofile" or "profile")).GroupBy(r => r.Spec.Group))
            {
                var list = group.ToList();
                bool epoch = list[0].Spec.Work == "epoch";
                var first = list[0].Spec;
                var fastest = list.Where(r => r.Spec.Side == Side.PyTorch && r.Spec.Work != "convs" && r.Ms.Count > 0).MinBy(r => r.Median);
                L($"### {Title(first)}");
                L();
                L(epoch
                    ? "| Variant | median ms / epoch | p25–p75 | epochs | data loading ms (share) | steps | RSS before MiB | peak RSS MiB | ÷ peer | train loss, acc (last) |"
                    : $"| Variant | median ms | p25–p75 | steps | RSS before MiB | peak RSS MiB | peak − before MiB | page faults / step | ÷ fastest peer{(fastest is null ? "" : $" ({Short(fastest.Spec.Who)})")} |");
                L(epoch ? "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|" : "|---|---:|---:|---:|---:|---:|---:|---:|---:|");
                foreach (var r in list.Where(r => r.Ms.Count > 0))
                {
                    string ratio = fastest is null || r.Spec.Side == Side.PyTorch || r.Spec.Kind == "convs" ? "" : F2(r.Median / fastest.Median);
                    if (epoch)
                    {
                        var data = r.Steps.Select(x => x.GetProperty("data_ms").GetDouble()).ToList();
                        double dataMed = Stat.Quantile(data, 0.5);
                        var last = r.Steps[^1];
                        L($"| {r.Spec.Label} | {F0(r.Median)} | {F0(Stat.Quantile(r.Ms, 0.25))}–{F0(Stat.Quantile(r.Ms, 0.75))} | {r.Ms.Count} | " +
                          $"{F0(dataMed)} ({(100 * dataMed / r.Median).ToString("F1", Ci)} %) | {last.GetProperty("steps")} | {F0(r.ReadyMiB)} | {F0(r.PeakMiB)} | {ratio} | " +
                          $"{last.GetProperty("loss").GetDouble().ToString("F3", Ci)}, {last.GetProperty("accuracy").GetDouble().ToString("F3", Ci)} |");
                    }
                    else
                        L($"| {r.Spec.Label} | {F1(r.Median)} | {F1(Stat.Quantile(r.Ms, 0.25))}–{F1(Stat.Quantile(r.Ms, 0.75))} | {r.Ms.Count} | {F0(r.ReadyMiB)} | {F0(r.PeakMiB)} | {F0(r.PeakMiB - r.ReadyMiB)} | {K(Faults(r))} | {ratio} |");
                }
                L();
                if (epoch)
                {
                    L("Data loading = time spent getting the next normalized batch (SpikeKit: `BatchLoader.Epoch` enumeration; PyTorch:");
                    L("`DataLoader` over a `TensorDataset` of the uint8 images plus normalization). Reading and decompressing the IDX");
                    L("files happens once per process before the first epoch: " +
                      string.Join("; ", list.Select(r => $"{r.Spec.Label} {F0(r.Ready.GetProperty("load_ms").GetDouble())} ms")) + ".");
                    L();
                }
            }
        }

        string Title(Spec x)
        {
            string net = x.Net == "cnn" ? "reference CNN" : $"ResNet-20 ×{s.ResNetWidth.ToString(Ci)}";
            string th = x.Threads == 1 ? "1 thread" : $"{x.Threads} threads";
            return x.Work switch
            {
                "train" when x.Loss == "rmp" => $"{net}: training step with CE + 0.5·RMP, T = {x.T}, {th}",
                "train" => $"{net}: training step, T = {x.T}, {th}" + (x.Threads == s.Threads[0] ? " (with the convolutions alone)" : ""),
                "infer" => $"{net}: inference pass, T = {x.T}, {th}",
                "ablation" => $"Ablation: reference CNN training step, T = 4, {th}",
                "busy" => $"Busy machine: reference CNN training step, T = 4, {th}, a 2-thread spinner running",
                "epoch" => $"One Fashion-MNIST epoch of the reference CNN, end to end ({s.EpochSamples} samples)",
                "lif" => $"Multi-step LIF forward + backward, [{x.T}, 64, {s.LifFeatures}] (spikes only, fixed upstream gradient)",
                _ => x.Group,
            };
        }

        void ChecksSection()
        {
            if (checks.Peers is { } peers)
            {
                L("### The peers compute SpikeKit's values");
                L();
                L("`tests/reference/check_peers.py --spikekit FILE`, run by `compare` (also alone: `... -- peer-check`): SpikeKit builds");
                L("its CNN and ResNet-20 (fused LIF, BN), writes their initial weights, a random batch of 8, the training-mode");
                L("outputs, the CE + 0.5·RMP loss and every parameter gradient, and the eval-mode outputs; the script loads the same");
                L("weights into each peer design and compares (largest absolute difference; gradients relative to the largest gradient");
                L("of the network). snnTorch's per-step BN statistics and detached reset change its training values by design, so it is");
                L("compared with the naive peer with a detached reset and BN in eval mode, and with SpikeKit in inference.");
                L();
                L("| Network | Comparison | outputs | loss | gradients | within 1e-5 |");
                L("|---|---|---:|---:|---:|---|");
                foreach (var rep in peers.GetProperty("reports").EnumerateArray())
                    foreach (var c in rep.GetProperty("cases").EnumerateArray())
                    {
                        string V(string k) => c.TryGetProperty(k, out var v) ? G2(v.GetDouble()) : "–";
                        string ok = c.GetProperty("ok").ValueKind == JsonValueKind.Null ? "(differs by design)" : c.GetProperty("ok").GetBoolean() ? "yes" : "**no**";
                        L($"| {rep.GetProperty("net")} | {c.GetProperty("case")} | {V("output")} | {V("loss")} | {V("grad_rel")} | {ok} |");
                    }
                L();
            }
            if (checks.Lif is { } lif)
            {
                L("### Fused LIF equals op-by-op");
                L();
                L(lif.Text + ".");
                L("(`tests/SpikeKit.Tests/Neurons/FusedLifTests.cs` checks every surrogate, reset mode and detach setting.)");
                L();
            }
        }

        void SoakSection()
        {
            if (soak.Count == 0) return;
            int mark = Math.Min(100, s.SoakSteps);
            L($"### Memory over {s.SoakSteps} training steps (reference CNN)");
            L();
            L($"| Side | live tensors @{mark} | live tensors @{s.SoakSteps} | RSS MiB @{mark} | RSS MiB @{s.SoakSteps} | peak RSS MiB @{mark} | peak RSS MiB @{s.SoakSteps} | median ms/step |");
            L("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (r, a100, end) in soak)
            {
                string T(JsonElement e) => e.TryGetProperty("live_tensors", out var v) ? v.ToString() : "n/a";
                L($"| {r.Spec.Label} | {T(a100)} | {T(end)} | {F0(a100.GetProperty("rss_mib").GetDouble())} | " +
                  $"{F0(end.GetProperty("rss_mib").GetDouble())} | {F0(a100.GetProperty("peak_rss_mib").GetDouble())} | " +
                  $"{F0(end.GetProperty("peak_rss_mib").GetDouble())} | {F1(r.Median)} |");
            }
            L();
            L("Live tensors = `torch.Tensor.TotalCount` after a full garbage collection (model parameters, their gradients and");
            L("momentum buffers, BN running statistics, the fixed batch). RSS = `VmRSS`, peak = `VmHWM` of `/proc/self/status`.");
            L("`Trainer.TrainStep` returns free heap memory to the OS every 20 steps (`malloc_trim`), so the RSS read at a step");
            L("that is a multiple of 20 is just after a trim; the peak (high-water mark) since the start is the figure that would");
            L("show growth." + (s.SoakPython ? "" : " The PyTorch side is not soaked by default (`--soak-python` adds the fastest peer, in alternation)."));
            L();
        }

        static string CpuModel()
        {
            try
            {
                var psi = new ProcessStartInfo("lscpu") { RedirectStandardOutput = true, UseShellExecute = false };
                using var p = Process.Start(psi)!;
                string output = p.StandardOutput.ReadToEnd();
                p.WaitForExit();
                var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Model name:", StringComparison.Ordinal));
                if (line is not null) return line["Model name:".Length..].Trim();
            }
            catch (System.ComponentModel.Win32Exception) { }
            return File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        }
    }
}
