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
        Assert.Equal("model: unknown 'resnet50' (known: cnn, resnet19, resnet20, vgg11, vgg16)", e.Message);
    }

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
