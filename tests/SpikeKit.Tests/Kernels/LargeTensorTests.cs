using SpikeKit.Kernels;
using SpikeKit.Neurons;
using SpikeKit.Tests.Experiments;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Kernels;

/// <summary>The fused kernels on tensors of any size: the address of a tensor's first element and indices past 2^31 bytes.</summary>
[Collection(nameof(BitExactRunsCollection))] // alone: the large case needs several GB
public class LargeTensorTests
{
    [Fact]
    public unsafe void ThePointerIsTheFirstElementOfViewsWithAnOffset()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        var x = arange(100, ScalarType.Float32);
        Assert.Equal(0f, *CpuKernel.Ptr(x));
        var tail = x.narrow(0, 37, 10);
        Assert.Equal(37f, *CpuKernel.Ptr(tail));
        Assert.Equal(46f, CpuKernel.Ptr(tail)[9]);
        var expanded = x.narrow(0, 5, 1).expand(8); // stride 0, as the stem's output repeated over T
        Assert.Equal(5f, *CpuKernel.Ptr(expanded));
        Assert.True(CpuKernel.Ptr(zeros(0)) is null);
    }

    /// <summary>The fused LIF forward on <c>[2, N]</c> with N·2·4 bytes &gt; 2^31 (2.2 GB per tensor, about 5 GB in all):
    /// x = 0.6 fires at both steps (hard reset to 0), except the second half of step 1 where x = 0.2 stays silent; the spikes
    /// past the 2^31-byte mark are checked one by one at the ends and in total.</summary>
    [Fact]
    public void FusedLifRunsOnATensorOverTwoGigabytes()
    {
        const long n = (1L << 28) + (1L << 20); // 2·n floats = 2.16e9 bytes
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available < 12L << 30)
        {
            Console.WriteLine($"SKIPPED: LargeTensorTests.FusedLifRunsOnATensorOverTwoGigabytes needs 12 GB, {available >> 30} GB available; the pointer test covers the index arithmetic");
            return;
        }
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        var x = full(new long[] { 2, n }, 0.6f);
        x[1].narrow(0, n / 2, n - n / 2).fill_(0.2f);
        Assert.True(x.numel() * 4 > int.MaxValue);
        var lif = new LifNeuron(new NeuronOptions()) { RecordActivity = false };
        Tensor s;
        using (no_grad()) s = lif.forward(x);
        Assert.Equal(new long[] { 2, n }, s.shape);
        Assert.Equal((double)(n + n / 2), s.sum(ScalarType.Float64).item<double>());
        Assert.Equal(1f, s[0, n - 1].item<float>());
        Assert.Equal(1f, s[1, n / 2 - 1].item<float>());
        Assert.Equal(0f, s[1, n / 2].item<float>());
        Assert.Equal(0f, s[1, n - 1].item<float>());
    }

    /// <summary>The table-lookup convolution of spikes (<c>BinaryInputConvolution</c>) on a channels-last <c>[N, 4, 32, 32]</c>
    /// input of 2.15e9 bytes (and an output as large): every image silent but the last, which fires everywhere; its output
    /// equals LibTorch's convolution of that image alone to the bit (integer weights), and every other output is 0.</summary>
    [Fact]
    public void BinaryInputConvolutionRunsOnATensorOverTwoGigabytes()
    {
        const long n = (1L << 17) + 64;     // n·4·32·32·4 bytes = 2.15e9
        long available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available < 12L << 30)
        {
            Console.WriteLine($"SKIPPED: LargeTensorTests.BinaryInputConvolutionRunsOnATensorOverTwoGigabytes needs 12 GB, {available >> 30} GB available; the pointer test covers the index arithmetic");
            return;
        }
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        var conv = nn.Conv2d(4, 4, 3, padding: 1, bias: false);
        using var ng = no_grad();
        conv.weight!.copy_(randint(-4, 5, conv.weight.shape));
        var x = zeros(n, 32, 32, 4).permute(0, 3, 1, 2);
        x[n - 1].fill_(1f);
        Assert.True(x.numel() * 4 > int.MaxValue);
        Assert.True(SpikeKit.Layers.BinaryInputConvolution.Applies(conv, x));
        var y = SpikeKit.Layers.BinaryInputConvolution.TryForward(conv, x)!;
        Assert.Equal(new long[] { n, 4, 32, 32 }, y.shape);
        using var last = x.narrow(0, n - 1, 1).contiguous();
        Assert.Equal(TestUtil.Values(conv.forward(last)), TestUtil.Values(y.narrow(0, n - 1, 1)));
        Assert.Equal(0.0, y.narrow(0, 0, n - 1).abs().sum(ScalarType.Float64).item<double>());
    }
}
