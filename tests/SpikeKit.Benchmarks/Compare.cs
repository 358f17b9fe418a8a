using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SpikeKit.Native;
using SpikeKit.Neurons;
using static TorchSharp.torch;

/// <summary>
/// <c>compare</c>: runs every workload on SpikeKit and on the PyTorch peer (<c>tests/reference/bench_peer.py</c>), each
/// variant in its own worker process, stepping the workers in alternation (round r starts with worker r mod n), and
/// writes medians, peak memory and SpikeKit/PyTorch ratios from the same run to <c>docs/BENCHMARKS.md</c>.
/// </summary>
static class Compare
{
    enum Side { SpikeKit, PyTorch }

    sealed record Spec(string Group, string Label, Side Side, string Kind, string[] Args);

    sealed class Result(Spec spec)
    {
        public Spec Spec { get; } = spec;
        public List<double> Ms { get; } = [];
        public List<JsonElement> Steps { get; } = [];
        public JsonElement Ready { get; set; }
        public JsonElement Stats { get; set; }
        public double Median => Stat.Quantile(Ms, 0.5);
        public double PeakMiB => Stats.GetProperty("peak_rss_mib").GetDouble();
        public double ReadyMiB => Ready.GetProperty("rss_mib").GetDouble();
    }

    sealed record Settings(int Threads, int[] ExtraThreads, int Warmup, int Rounds, int LifRounds, int[] LifSteps, int EpochSamples, int EpochRounds,
        int SoakSteps, bool SoakPython, double ResNetWidth, string Python, string Script, string Out, string Root);

    public static int Run(Options a)
    {
        string root = RepoRoot();
        bool quick = a.Bool("quick", false);
        var threads = a.Str("threads", "1,2").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        var s = new Settings(
            Threads: threads[0],
            ExtraThreads: threads[1..],
            Warmup: a.Int("warmup", quick ? 2 : 5),
            Rounds: a.Int("rounds", quick ? 4 : 20),
            LifRounds: a.Int("lif-rounds", quick ? 3 : 10),
            LifSteps: a.Str("lif-t", "4,8,16").Split(',').Select(v => int.Parse(v, CultureInfo.InvariantCulture)).ToArray(),
            EpochSamples: a.Int("epoch-samples", quick ? 2000 : 10000),
            EpochRounds: a.Int("epoch-rounds", quick ? 1 : 3),
            SoakSteps: a.Int("soak-steps", quick ? 120 : 1000),
            SoakPython: a.Bool("soak-python", false),
            ResNetWidth: a.Double("resnet-width", 0.25),
            Python: a.Str("python", "/usr/bin/python3"),
            Script: Path.Combine(root, "tests", "reference", "bench_peer.py"),
            Out: Path.GetFullPath(a.Str("out", Path.Combine(root, "docs", "BENCHMARKS.md"))),
            Root: root);
        string only = a.Str("only", "lif,cnn,resnet20,epoch,soak");
        var parts = only.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet();
        string loadStart = File.ReadAllText("/proc/loadavg").Trim();
        var started = DateTime.UtcNow;
        var results = new List<Result>();
        string th = s.Threads.ToString(CultureInfo.InvariantCulture);

        (string Text, double FusedVsOpByOpGrad, double RecomputeGrad, long SpikeMismatch)? check = null;
        if (parts.Contains("lif"))
        {
            check = LifEquality(s.Threads);
            Log(check.Value.Text);
            foreach (int t in s.LifSteps)
            {
                string g = $"lif T={t}";
                string[] common = ["--t", $"{t}", "--batch", "64", "--features", "65536", "--threads", th];
                results.AddRange(RunGroup(s,
                [
                    new(g, "SpikeKit fused", Side.SpikeKit, "lif", [.. common, "--variant", "fused"]),
                    new(g, "SpikeKit fused, recompute", Side.SpikeKit, "lif", [.. common, "--variant", "recompute"]),
                    new(g, "SpikeKit op-by-op", Side.SpikeKit, "lif", [.. common, "--variant", "opbyop"]),
                    new(g, "PyTorch op-by-op", Side.PyTorch, "lif", common),
                ], Math.Min(s.Warmup, 2), s.LifRounds));
            }
        }
        if (parts.Contains("cnn"))
        {
            string[] common = ["--t", "4", "--batch", "64", "--threads", th];
            results.AddRange(RunGroup(s,
            [
                new("cnn", "SpikeKit", Side.SpikeKit, "cnn", common),
                new("cnn", "SpikeKit, op-by-op LIF", Side.SpikeKit, "cnn", [.. common, "--variant", "opbyop"]),
                new("cnn", "PyTorch stem-once", Side.PyTorch, "cnn", [.. common, "--stem", "once"]),
                new("cnn", "PyTorch naive", Side.PyTorch, "cnn", [.. common, "--stem", "naive"]),
            ], s.Warmup, s.Rounds));
            foreach (int extra in s.ExtraThreads)
            {
                string[] more = ["--t", "4", "--batch", "64", "--threads", extra.ToString(CultureInfo.InvariantCulture)];
                string g = $"cnn, {extra} threads";
                results.AddRange(RunGroup(s,
                [
                    new(g, "SpikeKit", Side.SpikeKit, "cnn", more),
                    new(g, "PyTorch stem-once", Side.PyTorch, "cnn", [.. more, "--stem", "once"]),
                    new(g, "PyTorch naive", Side.PyTorch, "cnn", [.. more, "--stem", "naive"]),
                ], s.Warmup, s.Rounds));
            }
        }
        if (parts.Contains("resnet20"))
        {
            string[] common = ["--t", "4", "--batch", "64", "--width", s.ResNetWidth.ToString(CultureInfo.InvariantCulture), "--threads", th];
            results.AddRange(RunGroup(s,
            [
                new("resnet20", "SpikeKit", Side.SpikeKit, "resnet20", common),
                new("resnet20", "PyTorch stem-once", Side.PyTorch, "resnet20", [.. common, "--stem", "once"]),
                new("resnet20", "PyTorch naive", Side.PyTorch, "resnet20", [.. common, "--stem", "naive"]),
            ], s.Warmup, Math.Max(3, s.Rounds / 2)));
        }
        if (parts.Contains("epoch"))
        {
            string[] common = ["--samples", $"{s.EpochSamples}", "--batch", "64", "--t", "4", "--threads", th];
            results.AddRange(RunGroup(s,
            [
                new("epoch", "SpikeKit", Side.SpikeKit, "epoch", common),
                new("epoch", "PyTorch stem-once", Side.PyTorch, "epoch", [.. common, "--stem", "once"]),
            ], 0, s.EpochRounds));
        }
        List<(Result R, JsonElement At100, JsonElement AtEnd)> soak = [];
        if (parts.Contains("soak")) soak = Soak(s);

        string loadEnd = File.ReadAllText("/proc/loadavg").Trim();
        var report = Report(s, results, check, soak, started, loadStart, loadEnd, string.Join(" ", Environment.GetCommandLineArgs().Skip(1)));
        Directory.CreateDirectory(Path.GetDirectoryName(s.Out)!);
        File.WriteAllText(s.Out, report);
        Console.WriteLine(report);
        Log($"wrote {s.Out}");
        return 0;
    }

    static void Log(string message) => Console.Error.WriteLine($"[compare {DateTime.Now:HH:mm:ss}] {message}");

    static string RepoRoot()
    {
        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
            for (var d = new DirectoryInfo(start); d is not null; d = d.Parent)
                if (File.Exists(Path.Combine(d.FullName, "Research.sln"))) return d.FullName;
        throw new InvalidOperationException("repository root (Research.sln) not found above the current directory");
    }

    /// <summary>Runs the workers of one group in alternation: warm-up rounds, then timed rounds; round r starts at worker r mod n.</summary>
    static List<Result> RunGroup(Settings s, Spec[] specs, int warmup, int rounds)
    {
        var results = specs.Select(p => new Result(p)).ToList();
        var workers = new List<WorkerProcess>();
        try
        {
            foreach (var r in results)
            {
                var w = Start(s, r.Spec);
                workers.Add(w);
                r.Ready = w.Expect("ready");
                Log($"{r.Spec.Group} / {r.Spec.Label}: ready {r.Ready}");
            }
            int n = workers.Count;
            for (int round = 0; round < warmup + rounds; round++)
            {
                for (int k = 0; k < n; k++)
                {
                    int i = (round + k) % n;
                    workers[i].Send("step");
                    var done = workers[i].Expect("done");
                    if (round < warmup) continue;
                    results[i].Ms.Add(done.GetProperty("ms").GetDouble());
                    results[i].Steps.Add(done);
                }
                if (round >= warmup)
                    Log($"{specs[0].Group} round {round - warmup + 1}/{rounds}: " +
                        string.Join(", ", results.Select(r => $"{r.Spec.Label} {r.Ms[^1]:F0} ms")));
            }
            for (int i = 0; i < n; i++)
            {
                workers[i].Send("stats");
                results[i].Stats = workers[i].Expect("stats");
                workers[i].Send("quit");
            }
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
        return results;
    }

    static WorkerProcess Start(Settings s, Spec spec)
    {
        var psi = new ProcessStartInfo { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (spec.Side == Side.PyTorch)
        {
            psi.FileName = s.Python;
            psi.ArgumentList.Add(s.Script);
        }
        else
        {
            psi.FileName = Environment.ProcessPath!;
            if (Path.GetFileNameWithoutExtension(psi.FileName) == "dotnet") psi.ArgumentList.Add(typeof(Compare).Assembly.Location);
        }
        psi.ArgumentList.Add("worker");
        psi.ArgumentList.Add(spec.Kind);
        foreach (var arg in spec.Args) psi.ArgumentList.Add(arg);
        psi.WorkingDirectory = s.Root;
        return new WorkerProcess(Process.Start(psi)!, $"{spec.Group}/{spec.Label}");
    }

    sealed class WorkerProcess : IDisposable
    {
        readonly Process _p;
        readonly string _name;

        public WorkerProcess(Process p, string name)
        {
            _p = p;
            _name = name;
            _p.ErrorDataReceived += (_, e) => { if (e.Data is { Length: > 0 } line) Console.Error.WriteLine($"  [{_name}] {line}"); };
            _p.BeginErrorReadLine();
        }

        public void Send(string command)
        {
            _p.StandardInput.WriteLine(command);
            _p.StandardInput.Flush();
        }

        public JsonElement Expect(string tag)
        {
            while (true)
            {
                string? line = _p.StandardOutput.ReadLine()
                    ?? throw new InvalidOperationException($"{_name}: worker exited (code {(_p.WaitForExit(5000) ? _p.ExitCode : -1)}) while waiting for '{tag}'");
                if (line.StartsWith(tag + " ", StringComparison.Ordinal)) return JsonDocument.Parse(line[(tag.Length + 1)..]).RootElement.Clone();
                Console.Error.WriteLine($"  [{_name}] {line}");
            }
        }

        public void Dispose()
        {
            if (!_p.WaitForExit(10000)) _p.Kill();
            _p.Dispose();
        }
    }

    /// <summary>Fused vs op-by-op LIF (and fused with recompute) at T = 8 on the benchmark's data: spikes and input gradients.</summary>
    static (string Text, double FusedVsOpByOpGrad, double RecomputeGrad, long SpikeMismatch) LifEquality(int threads)
    {
        TorchNative.EnsureLoaded();
        set_num_threads(threads);
        using var scope = NewDisposeScope();
        manual_seed(1);
        long[] shape = [8, 64, 65536];
        var x0 = randn(shape).mul_(0.5).add_(0.3);
        var g = randn(shape);
        (Tensor S, Tensor G) Run(NeuronOptions o)
        {
            var x = x0.detach().requires_grad_(true);
            var s = new LifNeuron(o) { RecordActivity = false }.forward(x);
            s.backward([g]);
            return (s.detach(), x.grad!.detach());
        }
        var fused = Run(new NeuronOptions());
        var recompute = Run(new NeuronOptions(Recompute: true));
        var opByOp = Run(new NeuronOptions(Fused: false));
        long mismatch = fused.S.ne(opByOp.S).sum().item<long>() + fused.S.ne(recompute.S).sum().item<long>();
        double dGrad = fused.G.sub(opByOp.G).abs().max().item<float>();
        double dRecompute = fused.G.sub(recompute.G).abs().max().item<float>();
        double gScale = opByOp.G.abs().max().item<float>();
        double rate = fused.S.mean().item<float>();
        string text = string.Create(CultureInfo.InvariantCulture,
            $"LIF [8, 64, 65536], firing rate {rate:F3}: spikes differing (fused vs op-by-op, fused vs recompute): {mismatch}; " +
            $"max |Δ grad| fused vs op-by-op {dGrad:G3} (max |grad| {gScale:G3}); fused vs recompute {dRecompute:G3}");
        return (text, dGrad, dRecompute, mismatch);
    }

    /// <summary>1000 (or --soak-steps) training steps of the reference network: live tensors and RSS at step 100 and at the end.</summary>
    static List<(Result R, JsonElement At100, JsonElement AtEnd)> Soak(Settings s)
    {
        string[] common = ["--t", "4", "--batch", "64", "--threads", s.Threads.ToString(CultureInfo.InvariantCulture)];
        var specs = new List<Spec> { new("soak", "SpikeKit", Side.SpikeKit, "cnn", common) };
        if (s.SoakPython) specs.Add(new("soak", "PyTorch stem-once", Side.PyTorch, "cnn", [.. common, "--stem", "once"]));
        var workers = new List<WorkerProcess>();
        var results = specs.Select(p => new Result(p)).ToList();
        var at100 = new JsonElement[specs.Count];
        try
        {
            foreach (var r in results)
            {
                var w = Start(s, r.Spec);
                workers.Add(w);
                r.Ready = w.Expect("ready");
            }
            for (int step = 1; step <= s.SoakSteps; step++)
            {
                for (int i = 0; i < workers.Count; i++)
                {
                    workers[i].Send("step");
                    results[i].Ms.Add(workers[i].Expect("done").GetProperty("ms").GetDouble());
                    if (step == 100 || step == s.SoakSteps)
                    {
                        workers[i].Send("stats");
                        var st = workers[i].Expect("stats");
                        if (step == 100) at100[i] = st;
                        if (step == s.SoakSteps) results[i].Stats = st;
                    }
                }
                if (step % 100 == 0) Log($"soak step {step}/{s.SoakSteps}");
            }
            foreach (var w in workers) w.Send("quit");
        }
        finally
        {
            foreach (var w in workers) w.Dispose();
        }
        return results.Select((r, i) => (r, at100[i], r.Stats)).ToList();
    }

    static string Report(Settings s, List<Result> results, (string Text, double FusedVsOpByOpGrad, double RecomputeGrad, long SpikeMismatch)? check,
        List<(Result R, JsonElement At100, JsonElement AtEnd)> soak, DateTime started, string loadStart, string loadEnd, string commandLine)
    {
        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        string F0(double v) => v.ToString("F0", ci);
        string F1(double v) => v.ToString("F1", ci);
        string F2(double v) => v.ToString("F2", ci);
        Result? Find(string group, string label) => results.FirstOrDefault(r => r.Spec.Group == group && r.Spec.Label == label);
        string Str(Result? r, string key) => r is not null && r.Ready.TryGetProperty(key, out var v) ? v.ToString() : "?";
        var anySk = results.Concat(soak.Select(x => x.R)).FirstOrDefault(r => r.Spec.Side == Side.SpikeKit);
        var anyPy = results.FirstOrDefault(r => r.Spec.Side == Side.PyTorch);

        md.AppendLine("# Benchmarks: SpikeKit vs PyTorch on the CPU");
        md.AppendLine();
        md.AppendLine("SpikeKit's training workloads timed against a PyTorch implementation of the same networks written the way");
        md.AppendLine("SpikingJelly and snnTorch run on the CPU (op-by-op multi-step LIF with a custom autograd spike), on the same machine");
        md.AppendLine("with the same thread count, steps of both sides interleaved. Details of each side and of the method are below the results.");
        md.AppendLine();
        md.AppendLine("Reproduce (from the repository root; needs Debian's `python3-torch` for the PyTorch side and the Debian package");
        md.AppendLine("`dataset-fashion-mnist` for the epoch workload; the run's duration is listed below):");
        md.AppendLine();
        md.AppendLine("```bash");
        md.AppendLine("dotnet run -c Release --project tests/SpikeKit.Benchmarks -- compare");
        md.AppendLine("```");
        md.AppendLine();
        md.AppendLine("It rewrites this file. `--quick` gives a short smoke run (few rounds, small epoch). `--threads 1,2` (the default)");
        md.AppendLine("runs everything with 1 intra-op thread on both sides and the reference step again with 2; `--rounds N`,");
        md.AppendLine("`--only lif,cnn,resnet20,epoch,soak`, `--epoch-samples N`, `--soak-steps N`, `--soak-python`, `--resnet-width X`,");
        md.AppendLine("`--out FILE` adjust it.");
        md.AppendLine();
        // Summary
        md.AppendLine("## Results (ratio = SpikeKit median / PyTorch median from the same run; below 1: SpikeKit faster)");
        md.AppendLine();
        md.AppendLine("| Workload | SpikeKit ms | PyTorch ms | SpikeKit / PyTorch | SpikeKit peak RSS MiB | PyTorch peak RSS MiB |");
        md.AppendLine("|---|---:|---:|---:|---:|---:|");
        void SummaryRow(string title, Result? sk, Result? py)
        {
            if (sk is null || py is null) return;
            md.AppendLine($"| {title} | {F1(sk.Median)} | {F1(py.Median)} | **{F2(sk.Median / py.Median)}** | {F0(sk.PeakMiB)} | {F0(py.PeakMiB)} |");
        }
        foreach (int t in s.LifSteps)
            SummaryRow($"(1) LIF fwd+bwd [{t}, 64, 65536], fused vs PyTorch op-by-op", Find($"lif T={t}", "SpikeKit fused"), Find($"lif T={t}", "PyTorch op-by-op"));
        SummaryRow("(2) reference CNN training step vs PyTorch stem-once", Find("cnn", "SpikeKit"), Find("cnn", "PyTorch stem-once"));
        SummaryRow("(2) reference CNN training step vs PyTorch naive", Find("cnn", "SpikeKit"), Find("cnn", "PyTorch naive"));
        SummaryRow("(2) — the same with SpikeKit's op-by-op LIF (`Fused: false`) vs PyTorch stem-once", Find("cnn", "SpikeKit, op-by-op LIF"), Find("cnn", "PyTorch stem-once"));
        foreach (int extra in s.ExtraThreads)
            SummaryRow($"(2) reference CNN training step vs PyTorch stem-once, {extra} threads", Find($"cnn, {extra} threads", "SpikeKit"), Find($"cnn, {extra} threads", "PyTorch stem-once"));
        string w = s.ResNetWidth.ToString(ci);
        SummaryRow($"(3) ResNet-20 (width {w}) training step vs PyTorch stem-once", Find("resnet20", "SpikeKit"), Find("resnet20", "PyTorch stem-once"));
        SummaryRow($"(3) ResNet-20 (width {w}) training step vs PyTorch naive", Find("resnet20", "SpikeKit"), Find("resnet20", "PyTorch naive"));
        SummaryRow($"(4) Fashion-MNIST epoch ({s.EpochSamples} samples) vs PyTorch stem-once", Find("epoch", "SpikeKit"), Find("epoch", "PyTorch stem-once"));
        md.AppendLine();
        var facts = new List<string>();
        foreach (int t in s.LifSteps)
            if (Find($"lif T={t}", "SpikeKit fused") is { } fu && Find($"lif T={t}", "SpikeKit op-by-op") is { } ob)
                facts.Add($"fused LIF vs SpikeKit's op-by-op LIF at T = {t}: **{F2(ob.Median / fu.Median)}× faster**" +
                          (Find($"lif T={t}", "PyTorch op-by-op") is { } po
                              ? $" (SpikeKit op-by-op / PyTorch op-by-op, the same algorithm on the two LibTorch versions: {F2(ob.Median / po.Median)})"
                              : ""));
        if (check is { } ch)
            facts.Add($"fused vs op-by-op outputs at T = 8: {ch.SpikeMismatch} spikes differ, max |Δ grad| {ch.FusedVsOpByOpGrad.ToString("G3", ci)}; " +
                      $"recompute vs saved potentials: max |Δ grad| {ch.RecomputeGrad.ToString("G3", ci)}");
        if (Find("epoch", "SpikeKit") is { } ep)
        {
            double share = Stat.Quantile(ep.Steps.Select(x => x.GetProperty("data_ms").GetDouble()).ToList(), 0.5) / ep.Median;
            facts.Add($"data loading share of a SpikeKit epoch: **{(100 * share).ToString("F1", ci)} %**");
        }
        if (soak.FirstOrDefault(x => x.R.Spec.Side == Side.SpikeKit) is { R: not null } sk)
            facts.Add($"SpikeKit live tensors at step 100 / {s.SoakSteps}: **{sk.At100.GetProperty("live_tensors")} / {sk.AtEnd.GetProperty("live_tensors")}**, " +
                      $"peak RSS {F0(sk.At100.GetProperty("peak_rss_mib").GetDouble())} / {F0(sk.AtEnd.GetProperty("peak_rss_mib").GetDouble())} MiB");
        foreach (var f in facts) md.AppendLine($"- {f}");
        if (facts.Count > 0) md.AppendLine();

        md.AppendLine("## How it measures");
        md.AppendLine();
        md.AppendLine("Every variant of a workload runs in its own worker process (SpikeKit: `tests/SpikeKit.Benchmarks worker ...`;");
        md.AppendLine("PyTorch: `tests/reference/bench_peer.py worker ...`). The `compare` command starts all workers of a workload, then");
        md.AppendLine("steps them **in alternation**, one step each per round, the first worker of round r being worker r mod n, so both");
        md.AppendLine("sides see the same background load; it reports the **median** (and the 25th–75th percentile) of the timed steps");
        md.AppendLine("after warm-up steps. Peak memory is the worker process's peak resident set (`VmHWM` in `/proc/self/status`, read");
        md.AppendLine("the same way on both sides) after all its steps; \"before\" is the RSS after setup, before the first step. The");
        md.AppendLine("ratio is SpikeKit's median over PyTorch's median from the same run (below 1: SpikeKit faster).");
        md.AppendLine();
        md.AppendLine("The machine is shared with other jobs (see the load averages), so absolute times are noisy; the ratios come from");
        md.AppendLine("interleaved steps and are the figures to read. The main figures use 1 intra-op thread per side: on a loaded 2-core");
        md.AppendLine("machine, 2 OpenMP threads per process spend much of their time waiting for a descheduled sibling at every parallel");
        md.AppendLine("region, which hurts PyTorch's op-by-op LIF (many small parallel regions) far more than SpikeKit and would flatter the");
        md.AppendLine("ratio; the reference step is also given with 2 threads per side.");
        md.AppendLine();
        md.AppendLine("## Machine and versions");
        md.AppendLine();
        md.AppendLine($"- CPU: {CpuModel()} ({Environment.ProcessorCount} logical cores); intra-op threads on both sides: **{s.Threads}**" +
                      (s.ExtraThreads.Length > 0 ? $" (the reference step also with {string.Join(", ", s.ExtraThreads)})" : ""));
        md.AppendLine($"- Load average (1, 5, 15 min) at start: {string.Join(' ', loadStart.Split(' ').Take(3))}; at end: {string.Join(' ', loadEnd.Split(' ').Take(3))}");
        md.AppendLine($"- SpikeKit: .NET {Str(anySk, "dotnet")}, TorchSharp-cpu {Str(anySk, "torchsharp")}, LibTorch {Str(anySk, "libtorch")}");
        md.AppendLine($"- PyTorch: {Str(anyPy, "torch")} (Debian `python3-torch`), Python {Str(anyPy, "python")}");
        string options = commandLine.StartsWith("compare", StringComparison.Ordinal) ? commandLine["compare".Length..].Trim() : commandLine.Trim();
        md.AppendLine($"- Run: {started:yyyy-MM-dd HH:mm} UTC, {(DateTime.UtcNow - started).TotalMinutes:F0} minutes, `{("compare " + options).Trim()}`");
        md.AppendLine();
        md.AppendLine("## What each side does");
        md.AppendLine();
        md.AppendLine("- **SpikeKit**: the library as a user gets it. LIF = the fused multi-step kernel (`FusedLif`: one autograd node for all T,");
        md.AppendLine("  forward and BPTT backward as vectorized C# loops, surrogate derivative computed in the loop). Training step =");
        md.AppendLine("  `Trainer.TrainStep` (the step `Trainer.RunEpoch` runs per batch: forward, CE on the mean output + λ·RMP-Loss,");
        md.AppendLine("  backward, SGD, loss/accuracy read-out, `malloc_trim` every 20 steps). The stem (first conv + BN) runs once on");
        md.AppendLine("  `[B, ...]` and is expanded over T (`SpikingNetwork`); the first LIF reads the expanded input in place.");
        md.AppendLine("- **SpikeKit op-by-op** / **op-by-op LIF**: `NeuronOptions(Fused: false)`, the reference path (one ATen op at a time,");
        md.AppendLine("  Detach-mode surrogate); in the training step everything else is unchanged (RMP-Loss still fused). It separates the");
        md.AppendLine("  effect of the fused kernels from that of the newer LibTorch under TorchSharp (2.10 vs PyTorch 1.13 here).");
        md.AppendLine("- **SpikeKit fused, recompute**: `NeuronOptions(Recompute: true)`: backward recomputes the potentials from the input");
        md.AppendLine("  instead of keeping them from forward.");
        md.AppendLine("- **PyTorch** (what SpikingJelly's multi-step `torch` backend and snnTorch do on CPU): LIF as an op-by-op loop over T");
        md.AppendLine("  (`u = τ·u + x[t]; o = spike(u − V_th); u = u·(1 − o)`, gradient through the reset), the spike a custom");
        md.AppendLine("  `torch.autograd.Function` whose backward applies the same tanh surrogate derivative; conv/BN/pool/linear on");
        md.AppendLine("  `[T·B, ...]` (SeqToANNContainer; BN statistics over T·B); the same loss (CE on the mean output + 0.5·RMP with");
        md.AppendLine("  detached spikes), SGD (lr 0.1, momentum 0.9, weight decay 1e-4 on rank ≥ 2 parameters) and read-outs.");
        md.AppendLine("  **stem-once** runs conv1 + BN once on `[B, ...]` and expands over T (as SpikeKit); **naive** runs them on the input");
        md.AppendLine("  repeated over T (the usual direct-encoding code). Both give the same values; BN statistics of T identical copies");
        md.AppendLine("  equal those of one copy.");
        md.AppendLine("- Same networks on both sides: τ = 0.25, V_th = 0.5, hard reset, tanh surrogate (k = 3), BN (α·V_th = 1), float32,");
        md.AppendLine("  batch 64, T = 4. Random inputs are fixed per worker (same shapes, different values: timing does not depend on them");
        md.AppendLine("  beyond the firing rates, which are of the same order on both sides).");
        md.AppendLine();

        // Details per workload
        foreach (var group in results.GroupBy(r => r.Spec.Group))
        {
            var list = group.ToList();
            var pyRef = list.FirstOrDefault(r => r.Spec.Side == Side.PyTorch);
            md.AppendLine($"### {Title(group.Key, s)}");
            md.AppendLine();
            bool epoch = group.Key == "epoch";
            md.AppendLine(epoch
                ? $"| Variant | median ms / epoch | p25–p75 | epochs | data loading ms (share) | steps | RSS before MiB | peak RSS MiB | ÷ {pyRef?.Spec.Label ?? "PyTorch"} | train loss, acc (last) |"
                : $"| Variant | median ms | p25–p75 | steps | RSS before MiB | peak RSS MiB | peak − before MiB | ÷ {pyRef?.Spec.Label ?? "PyTorch"} |");
            md.AppendLine(epoch ? "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|" : "|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var r in list)
            {
                string ratio = pyRef is null || r.Spec.Side == Side.PyTorch ? "" : F2(r.Median / pyRef.Median);
                string iqr = $"{F1(Stat.Quantile(r.Ms, 0.25))}–{F1(Stat.Quantile(r.Ms, 0.75))}";
                if (epoch)
                {
                    var data = r.Steps.Select(x => x.GetProperty("data_ms").GetDouble()).ToList();
                    double dataMed = Stat.Quantile(data, 0.5);
                    var last = r.Steps[^1];
                    md.AppendLine($"| {r.Spec.Label} | {F0(r.Median)} | {F0(Stat.Quantile(r.Ms, 0.25))}–{F0(Stat.Quantile(r.Ms, 0.75))} | {r.Ms.Count} | " +
                                  $"{F0(dataMed)} ({(100 * dataMed / r.Median).ToString("F1", ci)} %) | {last.GetProperty("steps")} | {F0(r.ReadyMiB)} | {F0(r.PeakMiB)} | {ratio} | " +
                                  $"{last.GetProperty("loss").GetDouble().ToString("F3", ci)}, {last.GetProperty("accuracy").GetDouble().ToString("F3", ci)} |");
                }
                else
                    md.AppendLine($"| {r.Spec.Label} | {F1(r.Median)} | {iqr} | {r.Ms.Count} | {F0(r.ReadyMiB)} | {F0(r.PeakMiB)} | {F0(r.PeakMiB - r.ReadyMiB)} | {ratio} |");
            }
            md.AppendLine();
            if (group.Key.StartsWith("lif", StringComparison.Ordinal))
            {
                var fused = Find(group.Key, "SpikeKit fused");
                var op = Find(group.Key, "SpikeKit op-by-op");
                if (fused is not null && op is not null)
                    md.AppendLine($"Fused vs SpikeKit op-by-op: **{F2(op.Median / fused.Median)}× faster**.");
                md.AppendLine();
            }
            if (epoch)
            {
                md.AppendLine("Data loading = time spent getting the next normalized batch (SpikeKit: `BatchLoader.Epoch` enumeration; PyTorch:");
                md.AppendLine("`DataLoader` over a `TensorDataset` of the uint8 images plus normalization). Reading and decompressing the IDX");
                md.AppendLine("files happens once per process before the first epoch: " +
                              string.Join("; ", list.Select(r => $"{r.Spec.Label} {F0(r.Ready.GetProperty("load_ms").GetDouble())} ms")) + ".");
                md.AppendLine($"Each side trains on {s.EpochSamples} training images (SpikeKit: a class-stratified subset; PyTorch: the first");
                md.AppendLine($"{s.EpochSamples}), batch 64, reshuffled every epoch, after 3 warm-up steps; the test-set evaluation is not included.");
                md.AppendLine();
            }
        }

        if (check is { } c)
        {
            md.AppendLine("### Fused LIF equals op-by-op");
            md.AppendLine();
            md.AppendLine(c.Text + ".");
            md.AppendLine("(Checked in the `compare` process on the workload's own data; `tests/SpikeKit.Tests/Neurons/FusedLifTests.cs` checks");
            md.AppendLine("every surrogate, reset mode and detach setting.)");
            md.AppendLine();
        }

        if (soak.Count > 0)
        {
            md.AppendLine($"### Memory over {s.SoakSteps} training steps (reference CNN)");
            md.AppendLine();
            md.AppendLine($"| Side | live tensors @100 | live tensors @{s.SoakSteps} | RSS MiB @100 | RSS MiB @{s.SoakSteps} | peak RSS MiB @100 | peak RSS MiB @{s.SoakSteps} | median ms/step |");
            md.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var (r, a100, end) in soak)
            {
                string T(JsonElement e) => e.TryGetProperty("live_tensors", out var v) ? v.ToString() : "n/a";
                md.AppendLine($"| {r.Spec.Label} | {T(a100)} | {T(end)} | {F0(a100.GetProperty("rss_mib").GetDouble())} | " +
                              $"{F0(end.GetProperty("rss_mib").GetDouble())} | {F0(a100.GetProperty("peak_rss_mib").GetDouble())} | " +
                              $"{F0(end.GetProperty("peak_rss_mib").GetDouble())} | {F1(r.Median)} |");
            }
            md.AppendLine();
            md.AppendLine("Live tensors = `torch.Tensor.TotalCount` after a full garbage collection (model parameters, their gradients and");
            md.AppendLine("momentum buffers, BN running statistics, the fixed batch). RSS = `VmRSS`, peak = `VmHWM` of `/proc/self/status`.");
            md.AppendLine("`Trainer.TrainStep` returns free heap memory to the OS every 20 steps (`malloc_trim`), so the RSS read at a step");
            md.AppendLine("that is a multiple of 20 is just after a trim; the peak (high-water mark) since the start is the figure that would");
            md.AppendLine("show growth." + (s.SoakPython ? "" : " The PyTorch side is not soaked by default (`--soak-python` adds it, in alternation)."));
            md.AppendLine();
        }
        return md.ToString();
    }

    static string Title(string group, Settings s) => group switch
    {
        "cnn" => "(2) Reference CNN: one training step (input [64, 1, 28, 28], T = 4, CE + 0.5·RMP, SGD)",
        _ when group.StartsWith("cnn, ", StringComparison.Ordinal) => $"(2) Reference CNN training step with {group[5..]}",
        "resnet20" => $"(3) Spiking ResNet-20, width {s.ResNetWidth.ToString(CultureInfo.InvariantCulture)}: one training step (input [64, 3, 32, 32], T = 4, CE + 0.5·RMP, SGD)",
        "epoch" => $"(4) One Fashion-MNIST epoch of the reference CNN, end to end ({s.EpochSamples} samples)",
        _ when group.StartsWith("lif", StringComparison.Ordinal) => $"(1) Multi-step LIF forward + backward, [{group[6..]}, 64, 65536] (spikes only, fixed upstream gradient)",
        _ => group,
    };

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

static class Stat
{
    /// <summary>Linear-interpolated quantile q ∈ [0, 1] (q = 0.5: the median).</summary>
    public static double Quantile(IReadOnlyList<double> values, double q)
    {
        if (values.Count == 0) return double.NaN;
        var s = values.Order().ToArray();
        double pos = q * (s.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        return s[lo] + (s[hi] - s[lo]) * (pos - lo);
    }
}
