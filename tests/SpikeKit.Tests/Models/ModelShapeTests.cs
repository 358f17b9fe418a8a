using SpikeKit.Models;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Models;

public class ModelShapeTests
{
    public static IEnumerable<object[]> Cases() =>
        from name in ModelZoo.Names
        from t in new[] { 1, 2, 4 }
        select new object[] { name, t };

    [Theory]
    [MemberData(nameof(Cases))]
    public void EveryModelGivesTimeByBatchByClasses(string name, int timesteps)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        // Slim widths keep the big models quick; the 28×28 single-channel case exercises pooling limits in VGG.
        var (channels, size) = name == "cnn" ? (1, 28) : (3, 32);
        var options = new ModelOptions(TimeSteps: timesteps, InputChannels: channels, InputSize: size, Classes: 7, Width: 0.125);
        using var model = ModelZoo.Create(name, options);
        var x = randn(2, channels, size, size);
        var y = model.forward(x);
        Assert.Equal(new long[] { timesteps, 2, 7 }, y.shape);
        Assert.NotEmpty(model.Activity());
        Assert.All(model.Activity(), a => Assert.Equal(timesteps, a.Potential.shape[0]));
    }

    [Fact]
    public void VggHandles28x28Inputs()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var model = SpikingVgg.Vgg11(new ModelOptions(TimeSteps: 2, InputChannels: 1, InputSize: 28, Width: 0.125));
        Assert.Equal(new long[] { 2, 3, 10 }, model.forward(randn(3, 1, 28, 28)).shape);
    }

    [Fact]
    public void ResNetLayerCountsMatchTheirNames()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        // ResNet-19: stem + 8 blocks × 2 LIF + LIF in the head = 18 spiking layers; ResNet-20: stem + 9 blocks × 2 = 19.
        using var r19 = SpikingResNet.ResNet19(new ModelOptions(InputChannels: 3, InputSize: 32, Width: 0.125));
        using var r20 = SpikingResNet.ResNet20(new ModelOptions(InputChannels: 3, InputSize: 32, Width: 0.125));
        Assert.Equal(18, r19.Neurons.Count);
        Assert.Equal(19, r20.Neurons.Count);
        using var v16 = SpikingVgg.Vgg16(new ModelOptions(InputChannels: 3, InputSize: 32, Width: 0.125));
        Assert.Equal(13, v16.Neurons.Count);
    }

    [Fact]
    public void UnknownModelNamesTheOptionAndTheKnownOnes()
    {
        var e = Assert.Throws<ArgumentException>(() => ModelZoo.Create("resnet50", new ModelOptions()));
        Assert.Equal("model: unknown 'resnet50' (known: cnn, resnet18, resnet19, resnet20, resnet34, vgg11, vgg16)", e.Message);
    }

    [Theory]
    [InlineData("resnet18", 1)]
    [InlineData("resnet18", 2)]
    [InlineData("resnet34", 1)]
    [InlineData("resnet34", 2)]
    public void ImageNetResNetsGiveTimeByBatchByClassesAt64x64(string name, int timesteps)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create(name, new ModelOptions(TimeSteps: timesteps, InputChannels: 3, InputSize: 64, Classes: 5, Width: 0.25));
        Assert.Equal(new long[] { timesteps, 3, 5 }, model.forward(randn(3, 3, 64, 64)).shape);
        // stem LIF + 2 per block: ResNet-18 has 8 blocks, ResNet-34 16.
        Assert.Equal(name == "resnet18" ? 17 : 33, model.Neurons.Count);
        // 64×64 → stem stride 2 → 32 (the stem LIF, before the max-pool) → max-pool → 16 → stages at 16, 8, 4, 2.
        var shapes = model.Activity().Select(a => string.Join("x", a.Potential.shape)).ToList();
        Assert.Equal(1, shapes.Count(s => s == $"{timesteps}x3x16x32x32"));
        Assert.Contains($"{timesteps}x3x128x2x2", shapes);
    }

    [Fact]
    public void ImageNetResNetsHaveTorchvisionsParameterCounts()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        // tdBN carries λ, β per channel like BN's weight and bias (running statistics are buffers), LIF has no parameters,
        // so the counts are torchvision's. ResNet-34 by hand: stem conv 7·7·3·64 = 9 408 + norm 128;
        // stage 1: 3 × (2·36 864 + 256) = 221 952; stage 2: (73 728 + 147 456 + 512 + 8 192 + 256) + 3 × (2·147 456 + 512) = 1 116 416;
        // stage 3: (294 912 + 589 824 + 1 024 + 32 768 + 512) + 5 × (2·589 824 + 1 024) = 6 822 400;
        // stage 4: (1 179 648 + 2 359 296 + 2 048 + 131 072 + 1 024) + 2 × (2·2 359 296 + 2 048) = 13 114 368; fc 512·1000 + 1000 = 513 000;
        // total 21 797 672. ResNet-18 likewise: 11 689 512.
        using var r34 = SpikingResNet.ResNet34();
        Assert.Equal(21_797_672, r34.ParameterCount);
        using var r18 = SpikingResNet.ResNet18();
        Assert.Equal(11_689_512, r18.ParameterCount);
    }
}

/// <summary>LibTorch's generator is process-wide: a test that reseeds it and compares draws runs alone, so that no test
/// running beside it draws in between.</summary>
[Collection(nameof(SpikeKit.Tests.Experiments.BitExactRunsCollection))]
public class SeededInitTests
{
    [Fact]
    public void SameSeedGivesTheSameInitialWeights()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        manual_seed(5);
        using var a = new SpikingCnn();
        manual_seed(5);
        using var b = new SpikingCnn();
        foreach (var (pa, pb) in a.parameters().Zip(b.parameters()))
            Assert.True(pa.allclose(pb, 0, 0));
    }
}
