using SpikeKit.Kernels;
using SpikeKit.Layers;
using SpikeKit.Losses;
using SpikeKit.Models;
using SpikeKit.Neurons;
using SpikeKit.Surrogates;
using SpikeKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Layers;

/// <summary>
/// The fused CPU forms of the layers around the neurons against their reference forms (LibTorch): average pooling,
/// batch norm in training, the input gradient of stride-1 same convolutions, and whole zoo models with every fused kernel
/// on against the same weights with every layer in its reference form (NeuronOptions.Fused = false).
/// </summary>
public class FusedLayerTests
{
    static void CloseRelative(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double scale = Math.Max(1e-3, expected.abs().max().item<float>());
        double diff = (expected - actual).abs().max().item<float>();
        Assert.True(diff <= tol * scale, $"{what}: max |Δ| {diff:E3} > {tol:E1} · {scale:E3}");
    }

    [Theory]
    [InlineData(2, new long[] { 3, 4, 8, 8 })]
    [InlineData(2, new long[] { 2, 3, 5, 4, 7 })]      // [T, B, C, H, W] directly; odd sides floored
    [InlineData(3, new long[] { 2, 5, 10, 9 })]
    [InlineData(2, new long[] { 2, 3, 7, 41 })]        // vector path (16 outputs per row and an overlapping last vector), odd height
    [InlineData(2, new long[] { 2, 3, 6, 14, 14 })]    // rows of 7 outputs: two overlapping 128-bit vectors (the CNN's second pooling)
    [InlineData(2, new long[] { 2, 3, 6, 10 })]        // rows of 5 outputs
    [InlineData(2, new long[] { 4, 64, 32, 28, 28 })]  // the reference CNN's first pooling, several parallel work items
    public void AveragePoolEqualsAvgPool2d(int k, long[] shape)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(11);
        var x0 = rand(shape);
        var a = x0.clone().requires_grad_(true);
        var b = x0.clone().requires_grad_(true);
        var ya = new AveragePool(k).forward(a);
        var yb = new AveragePool(k, fused: false).forward(b);
        var g = randn(yb.shape);
        ya.backward([g]);
        yb.backward([g]);
        CloseRelative(yb, ya, 1e-6, "pooled");
        Assert.Equal(TestUtil.Values(b.grad!), TestUtil.Values(a.grad!));   // each input gets one output's gradient / k²: exact
        // hand-computed: the first window of the first plane
        long w = shape[^1];
        var flat = x0.reshape(-1).data<float>();
        float sum = 0;
        for (int i = 0; i < k; i++) for (int j = 0; j < k; j++) sum += flat[i * (int)w + j];
        Assert.Equal(sum / (k * k), ya.reshape(-1)[0].item<float>(), 6);
        using var ng = no_grad();
        CloseRelative(yb, new AveragePool(k).forward(x0), 1e-6, "no-grad pooled");
    }

    [Fact]
    public void AveragePoolRefusesTooSmallInput()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        var e = Assert.Throws<ArgumentException>(() => new AveragePool(2).forward(zeros(1, 1, 1, 5)));
        Assert.Contains("smaller than the 2×2 window", e.Message);
    }

    [Theory]
    [InlineData(4, 4, 3, 1, false)]
    [InlineData(8, 16, 3, 1, true)]
    [InlineData(6, 5, 5, 1, false)]
    [InlineData(4, 8, 3, 2, false)]     // stride 2: LibTorch's backward (not a same convolution)
    [InlineData(4, 8, 1, 1, false)]     // 1×1
    public void ConvolutionInputGradientEqualsLibTorch(long inC, long outC, long k, long stride, bool bias)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(12);
        var conv = nn.Conv2d(inC, outC, k, stride: stride, padding: k / 2, bias: bias);
        var fused = new TimeDistributed(conv);
        var reference = new TimeDistributed(conv) { Fused = false };
        var x0 = randn(new long[] { 3, 4, inC, 11, 11 });
        (Tensor Y, Tensor Gx, Tensor Gw, Tensor? Gb) Run(TimeDistributed td)
        {
            conv.zero_grad();
            var x = x0.clone().requires_grad_(true);
            var y = td.forward(x);
            using var g = ones_like(y).mul_(arange(y.numel()).reshape(y.shape).remainder(7).sub(3));
            y.backward([g]);
            return (y.detach(), x.grad!, conv.weight!.grad!.clone(), bias ? conv.bias!.grad!.clone() : null);
        }
        var a = Run(fused);
        var b = Run(reference);
        Assert.Equal(TestUtil.Values(b.Y), TestUtil.Values(a.Y));
        CloseRelative(b.Gx, a.Gx, 1e-6, "input gradient");
        CloseRelative(b.Gw, a.Gw, 1e-6, "weight gradient");
        if (bias) CloseRelative(b.Gb!, a.Gb!, 1e-6, "bias gradient");
        Assert.Equal(k % 2 == 1 && stride == 1, SameConvolution.Applies(conv, x0.flatten(0, 1).requires_grad_(true)));
    }

    /// <summary>A strided 1×1 convolution (the residual shortcut) on a channels-last input runs as the 1×1 convolution of the
    /// subsampled input (LibTorch's own weight gradient crashes the process on this shape): the same output and gradients as
    /// LibTorch's strided convolution on the row-major input.</summary>
    [Theory]
    [InlineData(8, 16, 56, 2)]     // the shape whose LibTorch weight gradient crashes (ResNet-18 ×0.125's first shortcut)
    [InlineData(4, 8, 15, 2)]      // odd side: ⌈15/2⌉ outputs
    [InlineData(16, 32, 12, 3)]
    public void StridedPointwiseConvolutionOnChannelsLastInput(long inC, long outC, long side, long stride)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(16);
        var td = new TimeDistributed(nn.Conv2d(inC, outC, 1, stride: stride, bias: false));
        var x0 = randn([1, 2, inC, side, side]);
        var a = CpuKernel.ToChannelsLast(x0, 2).requires_grad_(true);
        var b = x0.clone().requires_grad_(true);
        var ya = td.forward(a);
        var g = randn(ya.shape);
        ya.backward([g]);
        var wa = td.parameters().Single().grad!.clone();
        td.zero_grad();
        using var expected = nn.functional.conv2d(b.flatten(0, 1), td.parameters().Single(), strides: [stride, stride]);
        expected.backward([g.flatten(0, 1)]);
        Assert.Equal(new long[] { 1, 2, outC, (side + stride - 1) / stride, (side + stride - 1) / stride }, ya.shape);
        CloseRelative(expected.view(ya.shape), ya, 1e-5, "output");
        CloseRelative(b.grad!, a.grad!, 1e-5, "input gradient");
        CloseRelative(td.parameters().Single().grad!, wa, 1e-5, "weight gradient");
    }

    [Theory]
    [InlineData(1.0, new long[] { 2, 6, 5, 7, 3 }, false)]
    [InlineData(0.5, new long[] { 4, 16, 8, 9, 9 }, false)]    // tdBN scale α·V_th = 0.5
    [InlineData(1.0, new long[] { 1, 3, 4, 1, 1 }, false)]     // one value per sample and channel
    [InlineData(1.0, new long[] { 2, 6, 5, 7, 3 }, true)]      // channels-last: lanes repeat every lcm(6, 8) = 24 values, a tail
    [InlineData(0.5, new long[] { 4, 16, 8, 9, 9 }, true)]     // channels-last, C a multiple of the vector width
    [InlineData(0.5, new long[] { 4, 64, 4, 32, 32 }, true)]   // channels-last, several parallel work items
    [InlineData(1.0, new long[] { 3, 5, 3, 11, 13 }, true)]    // channels-last, C = 3 (period 24), odd sides
    public void BatchNormTrainingEqualsLibTorch(double threshold, long[] shape, bool channelsLast)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(13);
        long c = shape[2];
        var fused = new ThresholdDependentBatchNorm(c, threshold: threshold);
        var reference = new ThresholdDependentBatchNorm(c, threshold: threshold) { Fused = false };
        using (no_grad())
        {
            fused.weight.uniform_(0.5, 1.5); fused.bias.uniform_(-0.5, 0.5);
            reference.weight.copy_(fused.weight); reference.bias.copy_(fused.bias);
        }
        var x0 = randn(shape).mul_(2).add_(0.7);
        var g = randn(shape);
        for (int step = 0; step < 2; step++)      // two steps: the running statistics after each
        {
            // channels-last: [T, B, C, H, W] with each sample's C innermost (the layout channels-last convolutions give)
            var a = (channelsLast ? CpuKernel.ToChannelsLast(x0, 2) : x0.clone()).requires_grad_(true);
            var b = x0.clone().requires_grad_(true);
            var ya = fused.forward(a);
            var yb = reference.forward(b);
            if (channelsLast)
            {
                Assert.Equal(1, ya.stride(2));      // the output keeps the input's layout
                Assert.Equal(shape[2], ya.stride(4));
            }
            ya.backward([g]);
            yb.backward([g]);
            CloseRelative(yb, ya, 1e-5, "output");
            CloseRelative(b.grad!, a.grad!, 1e-5, "input gradient");
            CloseRelative(reference.weight.grad!, fused.weight.grad!, 1e-5, "λ gradient");
            CloseRelative(reference.bias.grad!, fused.bias.grad!, 1e-5, "β gradient");
            var rb = reference.buffers().ToArray();
            var fb = fused.buffers().ToArray();
            CloseRelative(rb[0], fb[0], 1e-6, "running mean");
            CloseRelative(rb[1], fb[1], 1e-6, "running variance");
        }
        // hand-computed: channel 0's output mean is β and its biased variance (λ·α·V_th)² (to ε)
        using var ng = no_grad();
        // evaluation (running statistics): a channels-last input takes the fused affine map, in its layout
        fused.eval(); reference.eval();
        var input = channelsLast ? CpuKernel.ToChannelsLast(x0, 2) : x0;
        var evaluated = fused.forward(input);
        if (channelsLast) Assert.Equal(1, evaluated.stride(2));
        CloseRelative(reference.forward(x0), evaluated, 1e-6, "evaluation output");
        fused.train();
        var y = fused.forward(x0);
        var ch = y.select(2, 0);
        Assert.Equal(fused.bias[0].item<float>(), ch.mean().item<float>(), 4);
        if (shape[0] * shape[1] * shape[3] * shape[4] > 1)
        {
            double expected = Math.Pow(fused.weight[0].item<float>() * threshold, 2);
            Assert.Equal(expected, ch.sub(ch.mean()).square().mean().item<float>(), 3);
        }
    }

    public static IEnumerable<object[]> PoolCases() =>
        from reset in new[] { ResetMode.Hard, ResetMode.Soft }
        from detach in new[] { false, true }
        from surrogate in Surrogate.Names
        from repeated in new[] { false, true }
        select new object[] { reset, detach, surrogate, repeated, surrogate == "tanh" ? 3 : 2 };

    /// <summary>The fused LIF + pooling node (spikes never stored) against the neuron and the pooling one after the other:
    /// bitwise the same pooled spikes and input gradient (the same per-element arithmetic), for [T, B, C, H, W] inputs and
    /// repeated ones, odd sides.</summary>
    [Theory]
    [MemberData(nameof(PoolCases))]
    public void FireAndPoolEqualsTheNeuronThenThePooling(ResetMode reset, bool detach, string surrogate, bool repeated, int k)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(15);
        var options = new NeuronOptions(Reset: reset, DetachReset: detach, Surrogate: Surrogate.FromName(surrogate));
        var x0 = repeated ? rand(3, 4, 7, 9).mul_(1.5).sub_(0.2) : rand(new long[] { 5, 3, 4, 7, 9 }).mul_(1.5).sub_(0.2);
        var g = randn(new long[] { 5, 3, 4, 7 / k, 9 / k });
        (double[] Y, double[] G) Run(bool fused)
        {
            var leaf = x0.clone().requires_grad_(true);
            var x = repeated ? RepeatedInput.Expand(leaf, 5) : leaf;
            var lif = new LifNeuron(options) { RecordActivity = false };
            var pool = new AveragePool(k, fused);
            var y = Blocks.FireAndPool(lif, pool, x);
            Assert.Equal(new long[] { 5, 3, 4, 7 / k, 9 / k }, y.shape);
            y.backward([g]);
            return (TestUtil.Values(y), TestUtil.Values(leaf.grad!));
        }
        var a = Run(fused: true);
        var b = Run(fused: false);
        Assert.Equal(b.Y, a.Y);
        Assert.Equal(b.G, a.G);
        Assert.Contains(a.Y, v => v > 0);
        Assert.Contains(a.G, v => v != 0);
        using var ng = no_grad();
        var lifNoGrad = new LifNeuron(options) { RecordActivity = false };
        Assert.Equal(b.Y, TestUtil.Values(Blocks.FireAndPool(lifNoGrad, new AveragePool(k), repeated ? x0.unsqueeze(0).expand(5, 3, 4, 7, 9) : x0)));
    }

    /// <summary>In evaluation, tdBN's affine map and the residual add read inside the LIF loop give the spikes of the three
    /// modules one after the other, bit for bit: channel counts whose lane pattern is one vector (8), two (16) and three
    /// (12: lcm 24), odd spatial sizes (a scalar tail), soft and hard reset; a row-major input takes the modules' path.</summary>
    [Theory]
    [InlineData(8L, true, ResetMode.Hard)]
    [InlineData(12L, true, ResetMode.Hard)]
    [InlineData(16L, false, ResetMode.Soft)]
    [InlineData(12L, false, ResetMode.Soft)]
    public void NormAndFireInEvaluationEqualsTheModules(long channels, bool residual, ResetMode reset)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(21);
        var norm = new ThresholdDependentBatchNorm(channels, threshold: 0.5);
        using (no_grad())
        {
            norm.weight.copy_(rand(channels).add_(0.5));
            norm.bias.copy_(randn(channels).mul_(0.3));
        }
        norm.train();
        using (no_grad()) norm.forward(randn(new long[] { 3, 4, channels, 5, 7 }).mul_(0.7).add_(0.2)); // running statistics off their defaults
        norm.eval();
        var lif = new LifNeuron(new NeuronOptions(Reset: reset)) { RecordActivity = false };
        var reference = new LifNeuron(new NeuronOptions(Reset: reset)) { RecordActivity = true };
        Tensor ChannelsLast(Tensor t) => CpuKernel.ToChannelsLast(t.flatten(0, 1), 1).view(t.shape);
        var x = ChannelsLast(randn(new long[] { 3, 4, channels, 5, 7 }).mul_(0.8).add_(0.3));
        var r = residual ? ChannelsLast(rand(new long[] { 3, 4, channels, 5, 7 }).mul_(0.6)) : null;
        using var ng = no_grad();
        var fused = Blocks.NormAndFire(norm, lif, x, r);
        Assert.Null(lif.Activity);
        using var n = norm.forward(x);
        using var sum = r is null ? n.alias() : n.add(r);
        var expected = reference.forward(sum);
        Assert.Equal(TestUtil.Values(expected), TestUtil.Values(fused));
        Assert.Contains(TestUtil.Values(fused), v => v == 1);
        Assert.Contains(TestUtil.Values(fused), v => v == 0);
        Assert.Equal(x.stride(), fused.stride());
        Assert.NotNull(lif.ForwardAffine(x, (new float[channels], new float[channels]), r));
        Assert.Null(lif.ForwardAffine(x.contiguous(), (new float[channels], new float[channels]), null));
        Assert.Equal(TestUtil.Values(reference.forward(norm.forward(x.contiguous()))), TestUtil.Values(Blocks.NormAndFire(norm, lif, x.contiguous())));
    }

    /// <summary>A whole channels-last ResNet in evaluation: its blocks' fused norm-add-fire path gives the outputs of the
    /// modules one after the other (activity recording on turns the fused path off).</summary>
    [Fact]
    public void ResNetEvaluationWithFusedNormAndFireEqualsTheModules()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(22);
        var model = ModelZoo.Create("resnet20", new ModelOptions(TimeSteps: 3, Width: 0.25, InputChannels: 3, InputSize: 16));
        Assert.Equal(MemoryLayout.ChannelsLast, model.Layout);
        var x = randn(4, 3, 16, 16).mul_(3);
        model.train();
        using (no_grad()) model.forward(x);
        model.eval();
        var outputs = new List<double[]>();
        foreach (var (_, module) in model.named_modules())
            if (module is SpikingResidualBlock block)
                block.register_forward_hook((m, input, output) => { outputs.Add(TestUtil.Values(output)); return output; });
        using var ng = no_grad();
        model.RecordActivity(false);
        var fused = TestUtil.Values(model.forward(x));
        var fusedBlocks = outputs.ToList();
        outputs.Clear();
        model.RecordActivity(true);
        var modules = TestUtil.Values(model.forward(x));
        Assert.Equal(9, fusedBlocks.Count);
        for (int i = 0; i < fusedBlocks.Count; i++) Assert.Equal(outputs[i], fusedBlocks[i]);
        int firing = fusedBlocks.Count(b => b.Contains(1.0));
        Assert.True(firing >= 6, $"only {firing} of 9 blocks fire: the comparison would be empty");
        Assert.Equal(modules, fused);
    }

    [Fact]
    public void FireAndPoolRecordingActivityRunsTheTwoLayers()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        var lif = new LifNeuron();      // records activity: the spikes and potentials are kept for losses and probes
        var y = Blocks.FireAndPool(lif, new AveragePool(2), rand(new long[] { 2, 1, 1, 4, 4 }).requires_grad_(true));
        Assert.NotNull(lif.Activity);
        Assert.Equal(new long[] { 2, 1, 1, 4, 4 }, lif.Activity!.Value.Spikes.shape);
        Assert.Equal(new long[] { 2, 1, 1, 2, 2 }, y.shape);
    }

    public static IEnumerable<object[]> Models() =>
        from name in new[] { "cnn", "resnet20", "vgg11" }
        from rmp in new[] { false, true }
        select new object[] { name, rmp };

    /// <summary>A training step of each model with every fused kernel (in the model's own layout) against the same weights with
    /// every layer in its reference form, row-major: the same outputs, loss and parameter gradients (the static input takes the
    /// repeated-input LIF path).</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void ModelStepEqualsReferenceKernels(string name, bool rmp)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(14);
        var fusedOptions = name == "cnn"
            ? new ModelOptions(TimeSteps: 3, Width: 0.25)
            : new ModelOptions(TimeSteps: 3, Width: 0.125, InputChannels: 3, InputSize: 16);
        var referenceOptions = fusedOptions with { Neuron = new NeuronOptions(Fused: false) };
        var fused = ModelZoo.Create(name, fusedOptions);
        var reference = ModelZoo.Create(name, referenceOptions);
        reference.load_state_dict(fused.state_dict());
        // the reference in LibTorch's default layout (its channels-last batch norm sums in an order that depends on the thread count)
        reference.Layout = MemoryLayout.ChannelsFirst;
        var x = randn(5, fusedOptions.InputChannels, fusedOptions.InputSize, fusedOptions.InputSize).mul_(2);
        var y = randint(0, 10, [5]);
        var loss = rmp ? CompositeLoss.Baseline.With(new RmpLoss(), 0.5) : CompositeLoss.Baseline;
        (Tensor Out, double Loss, Tensor[] Grads) Step(SpikingNetwork m)
        {
            m.train();
            m.RecordActivity(rmp);
            m.zero_grad();
            var o = m.forward(x);
            var parts = loss.Compute(o, y, m.Activity(), 0, 1);
            parts.Total.backward();
            return (o.detach(), parts.Total.item<float>(), m.parameters().Select(p => p.grad!.clone()).ToArray());
        }
        var a = Step(fused);
        var b = Step(reference);
        CloseRelative(b.Out, a.Out, 1e-5, $"{name} output");
        Assert.Equal(b.Loss, a.Loss, 5);
        Assert.Equal(b.Grads.Length, a.Grads.Length);
        for (int i = 0; i < a.Grads.Length; i++) CloseRelative(b.Grads[i], a.Grads[i], 2e-5, $"{name} gradient of parameter {i}");
        Assert.Contains(a.Grads, g => g.abs().max().item<float>() > 0);
    }

    /// <summary>A training step of each model with its activations channels-last against the same weights channels-first:
    /// the same outputs, loss and parameter gradients (only the convolutions' float rounding differs), and the body's
    /// activations really channels-last (the spiking layers' recorded potentials).</summary>
    [Theory]
    [MemberData(nameof(Models))]
    public void ChannelsLastModelEqualsChannelsFirst(string name, bool rmp)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(15);
        var options = name == "cnn"     // three input channels: a one-channel image is row-major and channels-last at once
            ? new ModelOptions(TimeSteps: 3, Width: 0.25, InputChannels: 3)
            : new ModelOptions(TimeSteps: 3, Width: 0.125, InputChannels: 3, InputSize: 16);
        var first = ModelZoo.Create(name, options);
        var last = ModelZoo.Create(name, options);
        last.load_state_dict(first.state_dict());
        first.Layout = MemoryLayout.ChannelsFirst;
        last.Layout = MemoryLayout.ChannelsLast;
        var x = randn(5, options.InputChannels, options.InputSize, options.InputSize).mul_(2);
        var y = randint(0, 10, [5]);
        var loss = rmp ? CompositeLoss.Baseline.With(new RmpLoss(), 0.5) : CompositeLoss.Baseline;
        (Tensor Out, double Loss, Tensor[] Grads, bool AnyLast) Step(SpikingNetwork m)
        {
            m.train();
            m.RecordActivity(true);
            m.zero_grad();
            var o = m.forward(x);
            var activity = m.Activity();
            bool anyLast = activity.Any(a => a.Potential.dim() == 5 && a.Potential.shape[2] > 1
                && a.Potential.shape[3] * a.Potential.shape[4] > 1 && a.Potential.stride(2) == 1);
            var parts = loss.Compute(o, y, activity, 0, 1);
            parts.Total.backward();
            return (o.detach(), parts.Total.item<float>(), m.parameters().Select(p => p.grad!.clone()).ToArray(), anyLast);
        }
        var a = Step(last);
        var b = Step(first);
        Assert.True(a.AnyLast, $"{name}: no spiking layer saw a channels-last input");
        Assert.False(b.AnyLast, $"{name}: a channels-first model has channels-last activations");
        CloseRelative(b.Out, a.Out, 1e-5, $"{name} output");
        Assert.Equal(b.Loss, a.Loss, 5);
        for (int i = 0; i < a.Grads.Length; i++) CloseRelative(b.Grads[i], a.Grads[i], 2e-5, $"{name} gradient of parameter {i}");
    }
}
