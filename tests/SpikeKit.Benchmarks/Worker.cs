using System.Diagnostics;
using System.Text.Json;
using SpikeKit.Data;
using SpikeKit.Losses;
using SpikeKit.Models;
using SpikeKit.Native;
using SpikeKit.Neurons;
using SpikeKit.Training;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// The SpikeKit side of <c>compare</c>: one workload in its own process, driven step by step over stdin/stdout with the
/// same line protocol as <c>tests/reference/bench_peer.py</c> ("ready {json}", then "step" → "done {json}",
/// "stats" → "stats {json}", "quit"). Stdout carries only protocol lines.
/// </summary>
static partial class Worker
{
    interface IWork
    {
        Dictionary<string, object> Info { get; }
        Dictionary<string, object> Step();
    }

    public static int Run(string kind, Options a)
    {
        TorchNative.EnsureLoaded();
        if (a.Int("threads", 0) > 0) set_num_threads(a.Int("threads", 0));
        // The allocator settings a process with a Trainer has (its constructor applies them), also for the workloads that
        // measure parts of a training or evaluation process without one (the LIF micro-benchmark stays as before).
        if (kind is "infer" or "convs") TorchNative.TuneAllocator();
        var clock = Stopwatch.StartNew();
        IWork work = kind switch
        {
            "lif" => new LifWork(a),
            "cnn" or "resnet20" => new NetWork(a, kind),
            "infer" => new InferWork(a),
            "convs" => new ConvsWork(a),
            "profile" => new ProfileWork(a),
            "epoch" => new EpochWork(a),
            "spin" => new SpinWork(a),
            _ => throw new ArgumentException($"unknown workload '{kind}' (known: lif, cnn, resnet20, infer, convs, profile, epoch, spin)"),
        };
        var info = new Dictionary<string, object>(work.Info)
        {
            ["setup_ms"] = clock.Elapsed.TotalMilliseconds,
            ["threads"] = get_num_threads(),
            ["torchsharp"] = typeof(torch).Assembly.GetName().Version?.ToString(3) ?? "?",
            ["libtorch"] = torch.__version__,
            ["dotnet"] = Environment.Version.ToString(),
            ["rss_mib"] = ProcStatus.MiB("VmRSS"),
        };
        Reply("ready", info);
        long steps = 0;
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            switch (line.Trim())
            {
                case "step":
                    long faults = ProcStatus.MinorFaults();
                    var sw = Stopwatch.StartNew();
                    var extra = work.Step();
                    extra["ms"] = sw.Elapsed.TotalMilliseconds;
                    extra["minflt"] = ProcStatus.MinorFaults() - faults;
                    steps++;
                    Reply("done", extra);
                    break;
                case "stats":
                    Reply("stats", new Dictionary<string, object>
                    {
                        ["peak_rss_mib"] = ProcStatus.MiB("VmHWM"),
                        ["rss_mib"] = ProcStatus.MiB("VmRSS"),
                        ["live_tensors"] = LiveTensors(),
                        ["steps"] = steps,
                    });
                    break;
                case "quit":
                    (work as IDisposable)?.Dispose();
                    return 0;
                default:
                    Console.Error.WriteLine($"unknown command '{line}'");
                    return 2;
            }
        }
        return 0;
    }

    static void Reply(string tag, Dictionary<string, object> body)
    {
        Console.Out.WriteLine(tag + " " + JsonSerializer.Serialize(body));
        Console.Out.Flush();
    }

    /// <summary>Tensors alive in the process (TorchSharp's counter) after the finalizers of unreachable ones have run.</summary>
    static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return torch.Tensor.TotalCount;
    }

    /// <summary>LIF forward + backward on [T, B, F] (spikes only, nothing recorded), fixed upstream gradient.</summary>
    sealed class LifWork : IWork
    {
        readonly Tensor _x, _g;
        readonly LifNeuron _lif;

        public LifWork(Options a)
        {
            manual_seed(1);
            long[] shape = [a.Int("t", 8), a.Int("batch", 64), a.Int("features", 65536)];
            _x = randn(shape).mul_(0.5).add_(0.3);
            _g = randn(shape);
            var variant = a.Str("variant", "fused");
            var options = variant switch
            {
                "fused" => new NeuronOptions(),
                "recompute" => new NeuronOptions(Recompute: true),
                "opbyop" => new NeuronOptions(Fused: false),
                _ => throw new ArgumentException($"lif: unknown variant '{variant}' (known: fused, recompute, opbyop)"),
            };
            _lif = new LifNeuron(options) { RecordActivity = false };
            Info = new() { ["shape"] = shape, ["variant"] = variant };
        }

        public Dictionary<string, object> Info { get; }

        public Dictionary<string, object> Step()
        {
            using var scope = NewDisposeScope();
            var x = _x.detach().requires_grad_(true);
            var s = _lif.forward(x);
            s.backward([_g]);
            _ = x.grad!.sum().item<float>();
            return [];
        }
    }

    static (SpikingNetwork Model, long[] InputShape) Build(string kind, Options a)
    {
        var neuron = a.Str("variant", "fused") switch
        {
            "fused" => new NeuronOptions(),
            "recompute" => new NeuronOptions(Recompute: true),
            "opbyop" => new NeuronOptions(Fused: false),
            var v => throw new ArgumentException($"{kind}: unknown variant '{v}' (known: fused, recompute, opbyop)"),
        };
        if (kind is not ("cnn" or "resnet20")) throw new ArgumentException($"unknown network '{kind}' (known: cnn, resnet20)");
        if (kind == "cnn")
            return (new SpikingCnn(new ModelOptions(TimeSteps: a.Int("t", 4), Neuron: neuron, Norm: NormKind.BN)), [a.Int("batch", 64), 1, 28, 28]);
        return (SpikingResNet.ResNet20(new ModelOptions(TimeSteps: a.Int("t", 4), Neuron: neuron, Norm: NormKind.BN, InputChannels: 3, InputSize: 32,
            Width: a.Double("width", 0.25))), [a.Int("batch", 64), 3, 32, 32]);
    }

    /// <summary>The trainer of the benchmark: SGD as <see cref="Trainer"/> builds it, and the loss of <c>--loss</c>:
    /// <c>baseline</c> (default; <see cref="CompositeLoss.Baseline"/>, CE on the mean output) or <c>rmp</c> (+ λ·RMP-Loss, <c>--lambda</c> 0.5).</summary>
    static Trainer MakeTrainer(SpikingNetwork model, Options a) =>
        new(model, LossOf(a), new TrainingOptions(Epochs: 1, BatchSize: a.Int("batch", 64)));

    static CompositeLoss LossOf(Options a) => a.Str("loss", "baseline") switch
    {
        "baseline" => CompositeLoss.Baseline,
        "rmp" => CompositeLoss.Baseline.With(new RmpLoss(), a.Double("lambda", 0.5)),
        var l => throw new ArgumentException($"unknown loss '{l}' (known: baseline, rmp)"),
    };

    static (Tensor X, Tensor Y) Batch(long[] shape) => (randn(shape), randint(0, 10, [shape[0]]));

    /// <summary>One training step of the reference CNN or ResNet-20 on a fixed random batch.</summary>
    sealed class NetWork : IWork
    {
        readonly Tensor _x, _y;
        readonly Trainer _trainer;

        public NetWork(Options a, string kind)
        {
            manual_seed(a.Int("seed", 0));
            var (model, shape) = Build(kind, a);
            (_x, _y) = Batch(shape);
            _trainer = MakeTrainer(model, a);
            Info = new() { ["parameters"] = model.ParameterCount, ["variant"] = a.Str("variant", "fused"), ["loss"] = a.Str("loss", "baseline") };
        }

        public Dictionary<string, object> Info { get; }

        public Dictionary<string, object> Step() => new() { ["loss"] = _trainer.TrainStep(_x, _y).Loss };
    }

    /// <summary>One Fashion-MNIST training epoch end to end (BatchLoader + Trainer.TrainStep); no test-set evaluation.</summary>
    sealed class EpochWork : IWork
    {
        readonly BatchLoader _loader;
        readonly Trainer _trainer;
        int _epoch;

        public EpochWork(Options a)
        {
            manual_seed(a.Int("seed", 0));
            var clock = Stopwatch.StartNew();
            int samples = a.Int("samples", 10000);
            var (train, test) = Datasets.Load("fashion-mnist", a.Str("data", "") is { Length: > 0 } d ? d : null, trainLimit: samples, testLimit: 1);
            test.Dispose();
            _loader = new BatchLoader(train, a.Int("batch", 64), shuffle: true, Augmentation.None, seed: 0);
            double loadMs = clock.Elapsed.TotalMilliseconds;
            var (model, _) = Build("cnn", a);
            _trainer = MakeTrainer(model, a);
            foreach (var batch in _loader.Epoch(1000).Take(a.Int("warmup-steps", 3))) // settle JIT, allocator and caches
                using (batch) _trainer.TrainStep(batch.Images, batch.Labels);
            Info = new() { ["samples"] = train.Count, ["load_ms"] = loadMs, ["variant"] = a.Str("variant", "fused"), ["loss"] = a.Str("loss", "baseline") };
        }

        public Dictionary<string, object> Info { get; }

        public Dictionary<string, object> Step()
        {
            double dataMs = 0, lossSum = 0;
            long correct = 0, seen = 0;
            int steps = 0;
            var clock = new Stopwatch();
            using var batches = _loader.Epoch(_epoch++).GetEnumerator();
            while (true)
            {
                clock.Restart();
                bool more = batches.MoveNext();
                dataMs += clock.Elapsed.TotalMilliseconds;
                if (!more) break;
                using var batch = batches.Current;
                var r = _trainer.TrainStep(batch.Images, batch.Labels, 0, steps);
                lossSum += r.Loss;
                correct += r.Correct;
                seen += r.Samples;
                steps++;
            }
            return new() { ["data_ms"] = dataMs, ["steps"] = steps, ["loss"] = lossSum / steps, ["accuracy"] = (double)correct / seen };
        }
    }
}

/// <summary>Reads <c>/proc/self/status</c> and <c>/proc/self/stat</c>.</summary>
static class ProcStatus
{
    /// <summary>Minor page faults of the process so far (field 10 of <c>/proc/self/stat</c>), -1 when unreadable.</summary>
    public static long MinorFaults()
    {
        try
        {
            string stat = File.ReadAllText("/proc/self/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            return long.Parse(fields[7], System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (IOException) { return -1; }
    }

    /// <summary>A memory field (VmRSS, VmHWM, ...) in MiB, NaN when absent.</summary>
    public static double MiB(string key)
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith(key + ":", StringComparison.Ordinal))
                return long.Parse(line.AsSpan(key.Length + 1).Trim().ToString().Split(' ')[0]) / 1024.0;
        return double.NaN;
    }
}
