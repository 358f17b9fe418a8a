using SpikeKit.Kernels;
using SpikeKit.Layers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Layers;

/// <summary>
/// The table-lookup convolution of spikes (<see cref="BinaryInputConvolution"/>) against LibTorch's convolution of the same
/// channels-last 0/1 input: exactly equal where every sum is exact (integer weights), equal to float rounding otherwise,
/// with its gradients; when it applies, and that any value other than 0 and 1 sends the call back to LibTorch.
/// </summary>
public class BinaryInputConvolutionTests
{
    static Tensor ChannelsLast(Tensor t) => CpuKernel.ToChannelsLast(t, 1);

    static Tensor Spikes(long[] shape, double density) => ChannelsLast(rand(shape).lt(density).to_type(ScalarType.Float32));

    [Theory]
    [InlineData(4, 4, 3, 1, 1, 32, 32, false)]     // the slim ResNet-20's first stage: one 4-bit pattern per pixel
    [InlineData(4, 8, 3, 2, 1, 32, 32, false)]     // stride 2
    [InlineData(8, 16, 3, 1, 1, 16, 16, true)]     // one byte per pixel, 256-bit lanes, bias
    [InlineData(16, 16, 3, 1, 1, 8, 8, false)]     // two bytes per pixel
    [InlineData(8, 8, 1, 2, 0, 16, 16, false)]     // the 1×1 stride-2 shortcut
    [InlineData(4, 12, 5, 1, 2, 7, 9, true)]       // 5×5, odd sides, 12 outputs (three 128-bit lanes), 9 columns: a tail after 8
    [InlineData(8, 4, 3, 3, 2, 13, 11, false)]     // stride 3, padding 2, 4 outputs per row: no pixel left for the tail
    public void EqualsLibTorchOnSpikes(long inC, long outC, long k, long stride, long pad, long h, long w, bool bias)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(31);
        var conv = nn.Conv2d(inC, outC, k, stride: stride, padding: pad, bias: bias);
        var x = Spikes([37, inC, h, w], 0.2);
        using var ng = no_grad();
        Assert.True(BinaryInputConvolution.Applies(conv, x));
        var expected = conv.forward(x);
        var actual = BinaryInputConvolution.TryForward(conv, x)!;
        Assert.Equal(expected.shape, actual.shape);
        Assert.True(CpuKernel.IsChannelsLast(actual, 1));
        double scale = expected.abs().max().item<float>(), diff = (expected - actual).abs().max().item<float>();
        Assert.True(scale > 0.1 && diff <= 1e-6 * scale, $"max |Δ| {diff:E3} at scale {scale:E3}");

        // Integer weights and bias: every partial sum is an exact float, so the two orders of summation agree to the bit.
        conv.weight!.copy_(randint(-4, 5, conv.weight.shape));
        if (bias) conv.bias!.copy_(randint(-4, 5, conv.bias.shape));
        Assert.Equal(TestUtil.Values(conv.forward(x)), TestUtil.Values(BinaryInputConvolution.TryForward(conv, x)!));
    }

    /// <summary>The step's convolution of 4-channel spikes (the slim ResNet's first stage and its shortcut) with gradients:
    /// the output and the input, weight and bias gradients of LibTorch's convolution of the same channels-last input
    /// (<see cref="TimeDistributed.Fused"/> off), on [T, B, ...] through the wrapper as the models call it.</summary>
    [Theory]
    [InlineData(4, 3, 1, 32, 32, false)]
    [InlineData(12, 3, 1, 7, 9, true)]       // 12 outputs (three quads), odd sides
    [InlineData(8, 1, 2, 15, 15, false)]     // the 1×1 stride-2 shortcut, odd side
    [InlineData(4, 1, 1, 6, 5, true)]
    public void GradientsOfFourChannelSpikesEqualLibTorch(long outC, long k, long stride, long h, long w, bool bias)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(34);
        var conv = nn.Conv2d(4, outC, k, stride: stride, padding: k / 2, bias: bias);
        var x0 = Spikes([3 * 11, 4, h, w], 0.2).view(3, 11, 4, h, w);
        Assert.True(BinaryInputConvolution.Applies(conv, x0.flatten(0, 1).requires_grad_(true)));
        Tensor? g = null;
        (Tensor Y, Tensor Gx, Tensor Gw, Tensor? Gb) Run(TimeDistributed td)
        {
            conv.zero_grad();
            var x = x0.detach().requires_grad_(true);
            var y = td.forward(x);
            g ??= randn(y.shape);
            y.backward([g]);
            return (y.detach(), x.grad!, conv.weight!.grad!.clone(), bias ? conv.bias!.grad!.clone() : null);
        }
        var a = Run(new TimeDistributed(conv));
        var b = Run(new TimeDistributed(conv) { Fused = false });
        Close(b.Y, a.Y, 1e-6, "output");
        Close(b.Gx, a.Gx, 1e-6, "input gradient");
        Close(b.Gw, a.Gw, 1e-5, "weight gradient");     // sums of ~30 000 terms, in another order
        if (bias) Close(b.Gb!, a.Gb!, 1e-6, "bias gradient");
    }

    static void Close(Tensor expected, Tensor actual, double tol, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double scale = expected.abs().max().item<float>(), diff = (expected - actual).abs().max().item<float>();
        Assert.True(scale > 0.1 && diff <= tol * scale, $"{what}: max |Δ| {diff:E3} at scale {scale:E3}");
    }

    /// <summary>One output written out: a 4-channel pixel at the centre of a 3×3 kernel, its neighbours empty.</summary>
    [Fact]
    public void OneOutputByHand()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(4, 4, 3, padding: 1, bias: false);
        using var ng = no_grad();
        conv.weight!.copy_(arange(4 * 4 * 9, ScalarType.Float32).reshape(4, 4, 3, 3));   // W[o, i, a, b] = 36o + 9i + 3a + b
        var x = zeros(1, 4, 3, 3);
        x[0, 1, 1, 1] = tensor(1f);
        x[0, 3, 1, 1] = tensor(1f);
        var y = BinaryInputConvolution.TryForward(conv, ChannelsLast(x))!;
        // Output (0, 0) sees the pixel at tap (2, 2): W[o, 1, 2, 2] + W[o, 3, 2, 2] = (36o + 17) + (36o + 35).
        for (int o = 0; o < 4; o++) Assert.Equal(72.0 * o + 52, y[0, o, 0, 0].item<float>());
        // The centre output sees it at tap (1, 1): (36o + 13) + (36o + 31).
        for (int o = 0; o < 4; o++) Assert.Equal(72.0 * o + 44, y[0, o, 1, 1].item<float>());
    }

    [Fact]
    public void AnyValueOtherThanZeroAndOneFallsBackToLibTorch()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(32);
        var conv = nn.Conv2d(8, 8, 3, padding: 1, bias: false);
        var td = new TimeDistributed(conv);
        using var ng = no_grad();
        foreach (float odd in new[] { 0.5f, -1f, 2f, float.NaN })
        {
            var x = Spikes([4, 8, 6, 6], 0.3);
            x[3, 5, 4, 2] = tensor(odd);        // one value, in the last image
            Assert.Null(BinaryInputConvolution.TryForward(conv, x));
            var x5 = x.view(2, 2, 8, 6, 6);
            Assert.Equal(TestUtil.Values(conv.forward(x)), TestUtil.Values(td.forward(x5).flatten(0, 1)));
        }
    }

    [Fact]
    public void AppliesOnlyWithoutGradientToChannelsLastInputsOfHandledShapes()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(8, 16, 3, padding: 1, bias: false);
        var x = Spikes([2, 8, 8, 8], 0.2);
        Assert.False(BinaryInputConvolution.Applies(conv, x));                    // a gradient of 8 channels
        Assert.True(BinaryInputConvolution.Applies(nn.Conv2d(4, 8, 3, padding: 1), Spikes([2, 4, 8, 8], 0.2)));
        Assert.False(BinaryInputConvolution.Applies(nn.Conv2d(4, 8, 3, stride: 2, padding: 1), Spikes([2, 4, 8, 8], 0.2)));
        using (no_grad())
        {
            Assert.True(BinaryInputConvolution.Applies(conv, x));
            Assert.False(BinaryInputConvolution.Applies(conv, x.contiguous()));  // row-major
            Assert.False(BinaryInputConvolution.Applies(nn.Conv2d(12, 12, 3, padding: 1), Spikes([2, 12, 8, 8], 0.2)));   // 4-channel groups of 12
            Assert.False(BinaryInputConvolution.Applies(nn.Conv2d(16, 32, 3, padding: 1), Spikes([2, 16, 8, 8], 0.2)));   // 576 KB of tables
            Assert.False(BinaryInputConvolution.Applies(nn.Conv2d(8, 8, 3, padding: 1, dilation: 2), x));
            Assert.False(BinaryInputConvolution.Applies(nn.Conv2d(8, 8, 3, padding: 1, groups: 2), x));
        }
        conv.weight!.requires_grad_(false);
        Assert.True(BinaryInputConvolution.Applies(conv, x));                     // nothing to record
        Assert.False(BinaryInputConvolution.Applies(conv, x.clone().requires_grad_(true)));
        using (no_grad()) Assert.True(BinaryInputConvolution.Applies(conv, x.clone().requires_grad_(true)));
    }

    /// <summary>A slim ResNet-20 in evaluation (channels-last): every convolution after the stem reads spikes the lookups
    /// take, and on the spikes its neuron fired (recorded) the lookups give LibTorch's convolution of them (compared per
    /// layer: a spike flipped by rounding near the threshold would change every layer after it).</summary>
    [Fact]
    public void ResNetEvaluationSpikesConvolveByLookups()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(33);
        var model = SpikeKit.Models.ModelZoo.Create("resnet20", new SpikeKit.Models.ModelOptions(TimeSteps: 2, Width: 0.25, InputChannels: 3, InputSize: 16));
        Assert.Equal(SpikeKit.Models.MemoryLayout.ChannelsLast, model.Layout);
        model.eval();
        model.RecordActivity(true);
        using var ng = no_grad();
        model.forward(randn(6, 3, 16, 16).mul_(3));
        var graph = model.Graph();
        var nodes = graph.Nodes.ToDictionary(n => n.Name);
        int checkedConvs = 0, firing = 0;
        foreach (var node in graph.Nodes.Where(n => n.Op == SpikeKit.Models.GraphOp.Conv && nodes[n.Inputs[0]].Op == SpikeKit.Models.GraphOp.Neuron))
        {
            var conv = (Conv2d)node.Module!;
            var spikes = ((SpikeKit.Neurons.SpikingNeuron)nodes[node.Inputs[0]].Module!).Activity!.Value.Spikes;
            var x = spikes.flatten(0, 1);
            Assert.True(BinaryInputConvolution.Applies(conv, x), $"{node.Name}: {string.Join("x", x.shape)}");
            var lookups = new TimeDistributed(conv).forward(spikes).flatten(0, 1);
            checkedConvs++;
            if (x.sum().item<float>() == 0) { Assert.Equal(0f, lookups.abs().max().item<float>()); continue; }
            Close(conv.forward(x), lookups, 1e-6, node.Name);
            firing++;
        }
        Assert.Equal(20, checkedConvs);     // two in each of the 9 blocks and the 2 shortcuts
        Assert.True(firing >= 12, $"only {firing} of 20 inputs hold a spike");
    }
}

/// <summary>The weight gradient of the convolution of spikes sums per fixed block of images: the same bits with 1 and 2
/// intra-op threads (alone: the thread count is global).</summary>
[Collection(nameof(SpikeKit.Tests.Experiments.BitExactRunsCollection))]
public class BinaryInputConvolutionThreadTests
{
    [Fact]
    public void WeightGradientHasTheSameBitsForAnyThreadCount()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        manual_seed(35);
        var conv = nn.Conv2d(4, 8, 3, padding: 1, bias: false);
        var x = CpuKernel.ToChannelsLast(rand(70, 4, 12, 12).lt(0.2).to_type(ScalarType.Float32), 1);
        var g = randn(70, 8, 12, 12);
        double[] Gradient(int threads)
        {
            int before = get_num_threads();
            set_num_threads(threads);
            try
            {
                conv.zero_grad();
                var y = BinaryInputConvolution.TryForward(conv, x)!;
                y.backward([g]);
                return TestUtil.Values(conv.weight!.grad!);
            }
            finally
            {
                set_num_threads(before);
            }
        }
        var one = Gradient(1);
        Assert.Equal(one, Gradient(2));
        Assert.Contains(one, v => Math.Abs(v) > 1);
    }
}
