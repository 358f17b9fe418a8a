using System.Diagnostics;
using System.Globalization;
using SpikeKit.Native;
using SpikeKit.Neurons;
using SpikeKit.Surrogates;
using TorchSharp;
using static TorchSharp.torch;

// Benchmark console (not a test). Usage:
//   dotnet run -c Release --project tests/SpikeKit.Benchmarks -- compare [--quick] [--plan] [--threads 1,2] [--t 1,2,4,8,16] [--rounds N]
//           [--only check,lif,cnn,resnet20,infer,rmp,ablation,profile,busy,epoch,soak] [--peers snntorch,spikingjelly,naive] [--out FILE] ...
//       SpikeKit vs the three PyTorch peer designs (tests/reference/bench_peer.py, peer_nets.py), alternating, writes
//       docs/BENCHMARKS.md (see Compare.cs; --plan prints the groups and the expected duration without running them).
//   ... -- worker KIND [--key value ...]      one SpikeKit workload driven over stdin/stdout (started by compare).
//   ... -- peer-check [--t 4] [--batch 8]    SpikeKit's outputs and gradients vs the three PyTorch peers (check_peers.py).
//   ... -- surrogates [--runs 10] [--warmup 3] [--t 8] [--batch 64] [--features 16384] [--threads N]
//       LIF forward+backward in Detach vs Autograd surrogate mode. --threads 0 (default) keeps LibTorch's thread count.
try
{
    return args.Length > 0 && args[0] == "compare" ? Compare.Run(new Options(args.Skip(1)))
        : args.Length > 0 && args[0] == "peer-check" ? Compare.PeerCheck(new Options(args.Skip(1)))
        : args.Length > 1 && args[0] == "worker" ? Worker.Run(args[1], new Options(args.Skip(2)))
        : Bench.Run(args);
}
catch (ArgumentException e)
{
    Console.Error.WriteLine(e.Message);
    return 2;
}

static class Bench
{
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("commands: compare [--quick] [--plan] [--threads 1,2] [--t 1,2,4,8,16] [--rounds N] [--only PARTS] [--out FILE]; " +
                              "peer-check [--t 4] [--batch 8]; worker KIND [...]; surrogates [--runs N] [--warmup N] [--t T] [--batch B] [--features F] [--threads N]");
            return args.Length == 0 ? 1 : 0;
        }
        var opts = new Dictionary<string, int> { ["runs"] = 10, ["warmup"] = 3, ["t"] = 8, ["batch"] = 64, ["features"] = 16384, ["threads"] = 0 };
        for (int i = 1; i < args.Length; i += 2)
        {
            var key = args[i].TrimStart('-').ToLowerInvariant();
            if (!opts.ContainsKey(key) || i + 1 >= args.Length || !int.TryParse(args[i + 1], out int v) || v < (key == "threads" ? 0 : 1))
            {
                Console.Error.WriteLine($"bad option '{args[i]}' (known: {string.Join(", ", opts.Keys.Select(k => "--" + k))}, each with a positive integer)");
                return 2;
            }
            opts[key] = v;
        }
        TorchNative.EnsureLoaded();
        if (opts["threads"] > 0) set_num_threads(opts["threads"]);
        return args[0] switch
        {
            "surrogates" => Surrogates(opts["runs"], opts["warmup"], opts["t"], opts["batch"], opts["features"]),
            _ => Fail($"unknown command '{args[0]}' (known: compare, worker, surrogates)"),
        };
    }

    static int Fail(string message) { Console.Error.WriteLine(message); return 2; }

    /// <summary>LIF forward + backward on [T, B, F] with the tanh surrogate in Detach vs Autograd mode; median of the runs.</summary>
    static int Surrogates(int runs, int warmup, int t, int batch, int features)
    {
        Console.WriteLine($"LIF forward+backward on [T={t}, B={batch}, F={features}] float32, tanh surrogate, CPU threads {get_num_threads()}, " +
                          $"{warmup} warm-up + {runs} timed runs per mode, modes interleaved");
        manual_seed(1);
        using var input = randn([t, batch, features]).mul_(0.5).add_(0.3);
        SurrogateMode[] modes = [SurrogateMode.Detach, SurrogateMode.Autograd];
        var neurons = modes.ToDictionary(m => m, m => new LifNeuron(new NeuronOptions(Surrogate: new TanhSurrogate { Mode = m })));
        var times = modes.ToDictionary(m => m, _ => new List<double>());
        for (int i = 0; i < warmup + runs; i++)
        {
            foreach (var m in i % 2 == 0 ? modes : modes.Reverse())
            {
                double ms = Step(neurons[m], input);
                if (i >= warmup) times[m].Add(ms);
            }
        }
        foreach (var m in modes)
        {
            var s = times[m].Order().ToArray();
            double median = s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{m,-9} median {median,8:F1} ms   min {s[0],8:F1} ms   max {s[^1],8:F1} ms"));
        }
        return 0;
    }

    static double Step(LifNeuron lif, Tensor input)
    {
        using var scope = NewDisposeScope();
        var x = input.detach().requires_grad_(true);
        var sw = Stopwatch.StartNew();
        var o = lif.forward(x);
        o.sum().backward();
        _ = x.grad!.sum().item<float>(); // make sure the gradient exists
        sw.Stop();
        return sw.Elapsed.TotalMilliseconds;
    }
}
