using System.Diagnostics;
using SpikeKit.Layers;
using SpikeKit.Losses;
using SpikeKit.Models;
using SpikeKit.Neurons;
using SpikeKit.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary>The measuring workloads of <c>compare</c>: inference, the convolutions alone (roofline), the component profile
/// of a training step, and the load generator for the busy-machine figures.</summary>
static partial class Worker
{
    /// <summary>One evaluation pass on a fixed batch as <see cref="Trainer"/>'s evaluation does it: eval mode, no activity
    /// recorded, no grad, a dispose scope; forward, task loss (CE on the mean output), accuracy read-out.</summary>
    sealed class InferWork : IWork
    {
        readonly SpikingNetwork _model;
        readonly Tensor _x, _y;
        readonly ITaskLoss _task = CompositeLoss.Baseline.Task;

        public InferWork(Options a)
        {
            manual_seed(a.Int("seed", 0));
            var (model, shape) = Build(a.Str("net", "cnn"), a);
            _model = model;
            (_x, _y) = Batch(shape);
            _model.eval();
            _model.RecordActivity(false);
            Info = new() { ["net"] = a.Str("net", "cnn"), ["variant"] = a.Str("variant", "fused") };
        }

        public Dictionary<string, object> Info { get; }

        public Dictionary<string, object> Step()
        {
            using var _ = no_grad();
            using var scope = NewDisposeScope();
            var output = _model.forward(_x);
            double loss = _task.Compute(output, _y).item<float>();
            long correct = output.mean([0]).argmax(1).eq(_y).sum().item<long>();
            return new() { ["loss"] = loss, ["correct"] = correct };
        }
    }

    /// <summary>A convolution of the training step, called the way the step calls it: the stem's module itself on the image
    /// <c>[B, ...]</c> (no input gradient), every other one through the model's <see cref="TimeDistributed"/> wrapper on
    /// <c>[T, B, ...]</c> (so that whatever that wrapper does for the step, e.g. a different input-gradient kernel, is timed too).</summary>
    sealed record ConvCall(string Name, Conv2d Conv, Func<Tensor, Tensor> Forward, long[] InputShape, bool InputGrad)
    {
        /// <summary>An input like the step's (row-major): the stem (the one convolution without an input gradient) reads the
        /// image, here uniform random values; every other convolution reads spikes, here 0/1 with 20 % ones.</summary>
        public Tensor StepLikeInput() => InputGrad ? rand(InputShape).lt(0.2).to_type(ScalarType.Float32) : rand(InputShape);
    }

    static List<ConvCall> ConvCalls(SpikingNetwork model, long batch)
    {
        long t = model.TimeSteps;
        var modules = model.named_modules().ToDictionary(m => m.name, m => m.module);
        var calls = new List<ConvCall>();
        foreach (var node in model.Graph().Nodes.Where(n => n.Op == GraphOp.Conv))
        {
            var conv = (Conv2d)node.Module!;
            bool stem = node.Inputs[0] == GraphBuilder.InputName;
            string parent = node.Name.EndsWith(".inner", StringComparison.Ordinal) ? node.Name[..^".inner".Length] : "";
            if (!stem && modules.TryGetValue(parent, out var wrapper) && wrapper is TimeDistributed td)
                calls.Add(new(node.Name, conv, td.forward, [t, batch, .. node.InputShape], true));
            else
                calls.Add(new(node.Name, conv, conv.forward, [stem ? batch : t * batch, .. node.InputShape], !stem));
        }
        return calls;
    }

    /// <summary>An image-shaped tensor (<c>[N, C, H, W]</c> or <c>[T, B, C, H, W]</c>) laid out as the step lays out the model's
    /// activations (<see cref="SpikingNetwork.Layout"/>); anything else as it is.</summary>
    static Tensor InLayoutOf(SpikingNetwork model, Tensor t) =>
        model.Layout == MemoryLayout.ChannelsLast && t.dim() >= 4 ? SpikeKit.Kernels.CpuKernel.ToChannelsLast(t, (int)t.dim() - 3) : t;

    /// <summary>The network's convolutions alone, in forward order: forward + backward (weight gradient, and the input
    /// gradient where the step needs it) on the shapes and kinds of input of one training step (<see cref="ConvCall.StepLikeInput"/>;
    /// <c>--input rand</c>: all on uniform random values), with a fixed upstream gradient.</summary>
    sealed class ConvsWork : IWork
    {
        readonly List<(ConvCall Call, Tensor X, Tensor G)> _calls = [];

        public ConvsWork(Options a)
        {
            manual_seed(0);
            var (model, _) = Build(a.Str("net", "cnn"), a);
            model.train();
            double macs = 0;
            foreach (var c in ConvCalls(model, a.Int("batch", 64)))
            {
                var x = InLayoutOf(model, a.Str("input", "step") == "rand" ? rand(c.InputShape) : c.StepLikeInput());
                Tensor g;
                using (no_grad())
                using (var y = c.Forward(x))
                    g = randn_like(y);
                macs += (double)c.Conv.weight!.numel() / c.Conv.weight.shape[0] * g.numel();
                _calls.Add((c, x, g));
            }
            Info = new()
            {
                ["net"] = a.Str("net", "cnn"), ["convs"] = _calls.Count, ["gmacs_forward"] = macs / 1e9,
                ["shapes"] = _calls.Select(c => c.X.shape).ToList(),
            };
        }

        public Dictionary<string, object> Info { get; }

        public Dictionary<string, object> Step()
        {
            foreach (var (call, x, g) in _calls)
            {
                using var scope = NewDisposeScope();
                call.Conv.zero_grad();
                var xi = x.detach().requires_grad_(call.InputGrad);
                var y = call.Forward(xi);
                y.backward([g]);
            }
            return [];
        }
    }

    /// <summary>
    /// Where the time of <see cref="Trainer.TrainStep"/> goes. Each "step" measures (1) every layer of the network alone,
    /// forward and backward (the faster of two passes), on the shapes and in the modules of the step (<see cref="SpikingNetwork.Graph"/>):
    /// convolutions, norms, spiking layers (the stem's reading the expanded stride-0 input as in the step), residual adds,
    /// pooling, linear layers, and the task loss; and (2) one step cut at its phases by split timers (the model's forward,
    /// the loss, backward, the optimizer step) and a whole <see cref="Trainer.TrainStep"/> (in turn first).
    /// Keys: <c>layer|NN|category|name|fwd</c> / <c>|bwd</c>, <c>phase|...</c>.
    /// </summary>
    sealed class ProfileWork : IWork
    {
        sealed record Layer(string Category, string Name, Tensor Input, bool Grad, Func<Tensor, Tensor> Forward, Tensor Gradient);

        readonly SpikingNetwork _model;
        readonly Trainer _trainer;
        readonly CompositeLoss _loss;
        readonly Tensor _x, _y;
        readonly List<Layer> _layers = [];

        public ProfileWork(Options a)
        {
            manual_seed(a.Int("seed", 0));
            var (model, shape) = Build(a.Str("net", "cnn"), a);
            _model = model;
            (_x, _y) = Batch(shape);
            _loss = LossOf(a);
            _trainer = new Trainer(model, _loss, new TrainingOptions(Epochs: 1, BatchSize: (int)shape[0]));
            model.train();
            model.RecordActivity(_loss.Regularizers.Count > 0);
            long t = model.TimeSteps, b = shape[0];
            var graph = model.Graph();
            var stems = graph.Nodes.Where(n => n.Op == GraphOp.Conv && n.Inputs[0] == GraphBuilder.InputName).Select(n => n.Name).ToHashSet();
            var convs = ConvCalls(model, b).ToDictionary(c => c.Name);
            // The model's own pooling module when it has one named "pool" (the reference CNN), called on [T, B, C, H, W] as the
            // step calls it; otherwise LibTorch's pooling on [T·B, ...].
            var ownPool = model.named_modules().FirstOrDefault(m => m.name == "pool").module as nn.Module<Tensor, Tensor>;
            var pooledByNeuron = new HashSet<string>();
            foreach (var node in graph.Nodes)
            {
                switch (node.Op)
                {
                    case GraphOp.Conv:
                        {
                            bool stem = stems.Contains(node.Name);
                            var call = convs[node.Name];
                            Add("conv", node.Name, call.StepLikeInput(), call.InputGrad, call.Forward);
                            if (node.Norm is { } norm)
                                Add("norm", node.NormName!, randn([stem ? 1 : t, b, .. node.Shape]), true, norm.forward);
                            break;
                        }
                    case GraphOp.Neuron:
                        {
                            var neuron = (SpikingNeuron)node.Module!;
                            long[] full = [t, b, .. node.InputShape];
                            if (node.Inputs.Count > 1)
                            {
                                var other = randn(full);
                                Add("add", node.Name + " (residual add)", randn(full), true, x => x.add(other));
                            }
                            bool stemFed = node.Inputs.Count == 1 && stems.Contains(node.Inputs[0]);
                            // A LIF whose output only the model's fused pooling reads runs with it as one node in the step
                            // (Blocks.FireAndPool): timed as such, and the pooling gets no row of its own.
                            if (ownPool is AveragePool { Fused: true } pool && neuron is LifNeuron { RecordActivity: false } lif
                                && graph.Nodes.SingleOrDefault(n => n.Inputs.Contains(node.Name)) is { Op: GraphOp.AvgPool } next)
                            {
                                pooledByNeuron.Add(next.Name);
                                Add("lif+pool", $"{node.Name} → {next.Name} (one node{(stemFed ? ", repeated input" : "")})",
                                    randn(stemFed ? [b, .. node.InputShape] : full), true,
                                    x => Blocks.FireAndPool(lif, pool, stemFed ? RepeatedInput.Expand(x, t) : x));
                            }
                            else if (stemFed)
                                Add("lif", node.Name, randn([b, .. node.InputShape]), true, x => neuron.forward(x.unsqueeze(0).expand(full)));
                            else
                                Add("lif", node.Name, randn(full), true, neuron.forward);
                            break;
                        }
                    case GraphOp.AvgPool:
                        if (pooledByNeuron.Contains(node.Name)) break;
                        if (ownPool is not null)
                            Add("pool", node.Name, rand([t, b, .. node.InputShape]), true, ownPool.forward);
                        else
                            Add("pool", node.Name, rand([t * b, .. node.InputShape]), true, nn.AvgPool2d(node.Kernel).forward);
                        break;
                    case GraphOp.MaxPool:
                        Add("pool", node.Name, rand([t * b, .. node.InputShape]), true, nn.MaxPool2d(node.Kernel, node.Stride, node.Padding).forward);
                        break;
                    case GraphOp.GlobalAvgPool:
                        Add("pool", node.Name, rand([t * b, .. node.InputShape]), true, nn.AdaptiveAvgPool2d(1).forward);
                        break;
                    case GraphOp.Linear:
                        Add("linear", node.Name, rand([t * b, .. node.InputShape]), true, ((Linear)node.Module!).forward);
                        break;
                }
            }
            Add("loss", "CE on the mean output", randn([t, b, model.Options.Classes]), true, x => _loss.Task.Compute(x, _y));
            Info = new() { ["net"] = a.Str("net", "cnn"), ["layers"] = _layers.Count, ["loss"] = a.Str("loss", "baseline") };
        }

        void Add(string category, string name, Tensor input, bool grad, Func<Tensor, Tensor> forward)
        {
            input = InLayoutOf(_model, input);
            Tensor gradient;
            using (no_grad())
            using (var y = forward(input))
                gradient = randn_like(y);
            _layers.Add(new(category, name, input, grad, forward, gradient));
        }

        public Dictionary<string, object> Info { get; }

        public Dictionary<string, object> Step()
        {
            var r = new Dictionary<string, object>();
            var sw = new Stopwatch();
            for (int i = 0; i < _layers.Count; i++)
            {
                var l = _layers[i];
                string key = $"layer|{i:D2}|{l.Category}|{l.Name}";
                double fwd = double.MaxValue, bwd = double.MaxValue;
                for (int rep = 0; rep < 2; rep++)       // the faster of two passes: the layers are short, the machine noisy
                {
                    using var scope = NewDisposeScope();
                    var x = l.Input.detach().requires_grad_(l.Grad);
                    sw.Restart();
                    var y = l.Forward(x);
                    double f = sw.Elapsed.TotalMilliseconds;
                    sw.Restart();
                    y.backward([l.Gradient]);
                    double bk = sw.Elapsed.TotalMilliseconds;
                    fwd = Math.Min(fwd, f);
                    bwd = Math.Min(bwd, bk);
                }
                r[key + "|fwd"] = fwd;
                r[key + "|bwd"] = bwd;
            }
            if (_round++ % 2 == 1) TrainStep(r);
            using (var scope = NewDisposeScope())
            {
                _trainer.Optimizer.zero_grad();
                sw.Restart();
                var output = _model.forward(_x);
                r["phase|forward"] = sw.Elapsed.TotalMilliseconds;
                sw.Restart();
                var parts = _loss.Compute(output, _y, _model.Activity());
                r["phase|loss"] = sw.Elapsed.TotalMilliseconds;
                sw.Restart();
                parts.Total.backward();
                r["phase|backward"] = sw.Elapsed.TotalMilliseconds;
                sw.Restart();
                _trainer.Optimizer.step();
                r["phase|optimizer"] = sw.Elapsed.TotalMilliseconds;
            }
            if (!r.ContainsKey("phase|trainstep")) TrainStep(r);
            return r;
        }

        int _round;

        void TrainStep(Dictionary<string, object> r)
        {
            var sw = Stopwatch.StartNew();
            _trainer.TrainStep(_x, _y);
            r["phase|trainstep"] = sw.Elapsed.TotalMilliseconds;
        }
    }

    /// <summary>Load for the busy-machine figures: <c>--spin-threads</c> (2) threads spinning on arithmetic until the process
    /// is told to quit or killed; each step is a no-op.</summary>
    sealed class SpinWork : IWork, IDisposable
    {
        volatile bool _stop;
        readonly Thread[] _threads;

        public SpinWork(Options a)
        {
            _threads = Enumerable.Range(0, a.Int("spin-threads", 2)).Select(_ => new Thread(Spin) { IsBackground = true }).ToArray();
            foreach (var th in _threads) th.Start();
            Info = new() { ["spin_threads"] = _threads.Length };
        }

        void Spin()
        {
            double x = 1;
            while (!_stop)
                for (int i = 0; i < 1_000_000; i++) x = x * 1.0000001 + 1e-9;
            GC.KeepAlive(x);
        }

        public Dictionary<string, object> Info { get; }

        public Dictionary<string, object> Step() => [];

        public void Dispose()
        {
            _stop = true;
            foreach (var th in _threads) th.Join();
        }
    }
}

/// <summary>What <c>tests/reference/check_peers.py --spikekit FILE</c> compares the PyTorch peers with: SpikeKit's own
/// networks (fused LIF, BN) with their initial weights, a random batch, the training-mode outputs, loss (CE on the mean
/// output + 0.5·RMP-Loss) and parameter gradients, and the eval-mode outputs.</summary>
static class PeerCheckData
{
    public static void Write(string path, int steps, int batch)
    {
        var nets = new List<object>();
        foreach (var net in new[] { "cnn", "resnet20" })
        {
            using var scope = NewDisposeScope();
            manual_seed(7);
            var o = new ModelOptions(TimeSteps: steps, Norm: NormKind.BN);
            SpikingNetwork model = net == "cnn"
                ? new SpikingCnn(o)
                : SpikingResNet.ResNet20(o with { InputChannels = 3, InputSize = 32, Width = 0.25 });
            long[] shape = net == "cnn" ? [batch, 1, 28, 28] : [batch, 3, 32, 32];
            var x = randn(shape);
            var y = randint(0, 10, [batch]);
            var parameters = model.named_parameters().Select(p => new { name = p.name, shape = p.parameter.shape, values = Values(p.parameter) }).ToList();
            var loss = CompositeLoss.Baseline.With(new RmpLoss(), 0.5);
            model.eval();                                   // first, with the initial running statistics
            model.RecordActivity(false);
            Tensor evalOutput;
            using (no_grad()) evalOutput = model.forward(x);
            model.train();
            model.RecordActivity(true);
            var output = model.forward(x);
            var parts = loss.Compute(output, y, model.Activity());
            parts.Total.backward();
            var grads = model.parameters().Select(p => new { shape = p.shape, values = Values(p.grad!) }).ToList();
            nets.Add(new
            {
                net, t = steps, @params = parameters, input = new { shape = x.shape, values = Values(x) },
                labels = y.data<long>().ToArray(), output = new { shape = output.shape, values = Values(output) },
                loss = parts.Total.item<float>(), grads, eval_output = new { shape = evalOutput.shape, values = Values(evalOutput) },
            });
        }
        File.WriteAllText(path, System.Text.Json.JsonSerializer.Serialize(new { nets }));
    }

    static float[] Values(Tensor t)
    {
        using var c = t.detach().contiguous();
        return c.data<float>().ToArray();
    }
}
