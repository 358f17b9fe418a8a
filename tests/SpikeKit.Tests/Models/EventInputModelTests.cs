using SpikeKit.Models;
using SpikeKit.Native;
using TorchSharp;

namespace SpikeKit.Tests.Models;

public class EventInputModelTests
{
    public EventInputModelTests() => TorchNative.EnsureLoaded();

    [Theory]
    [InlineData("cnn", 34)]
    [InlineData("cnn", 48)]
    [InlineData("cnn", 128)]
    [InlineData("resnet19", 48)]
    [InlineData("resnet19", 34)]
    [InlineData("resnet20", 48)]
    [InlineData("resnet20", 128)]
    [InlineData("resnet20", 34)]
    [InlineData("resnet18", 34)]
    [InlineData("resnet34", 48)]
    [InlineData("vgg11", 34)]
    [InlineData("vgg16", 48)]
    public void EveryModelTakesTwoChannelEventFramesOverTime(string name, int size)
    {
        torch.manual_seed(0);
        using var model = ModelZoo.Create(name, new ModelOptions(TimeSteps: 2, InputChannels: 2, InputSize: size, Classes: 11, Width: 0.125));
        using var x = torch.rand(new long[] { 2, 3, 2, size, size });
        using var y = model.forward(x);
        Assert.Equal(new long[] { 2, 3, 11 }, y.shape);
        Assert.Throws<ArgumentException>(() => model.forward(torch.rand(new long[] { 3, 3, 2, size, size })));
    }

    [Theory]
    [InlineData("cnn")]
    [InlineData("resnet20")]
    [InlineData("vgg11")]
    public void TheSameFrameAtEveryStepGivesTheStaticOutput(string name)
    {
        // Batch statistics of T·B copies equal those of the B images, so the stem on all T frames equals the stem once,
        // repeated over T (training mode, where the norms use batch statistics and neurons fire).
        torch.manual_seed(1);
        using var model = ModelZoo.Create(name, new ModelOptions(TimeSteps: 3, InputChannels: 2, InputSize: 32, Width: 0.25));
        model.train();
        using var noGrad = torch.no_grad();
        using var image = torch.rand(4, 2, 32, 32).mul_(4);
        using var frames = image.unsqueeze(0).expand(3, 4, 2, 32, 32).contiguous();
        using var a = model.forward(image);
        using var b = model.forward(frames);
        Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-5));
        // And frames that differ over time give other outputs.
        using var c = model.forward(torch.rand(new long[] { 3, 4, 2, 32, 32 }).mul_(4));
        Assert.False(a.allclose(c));
    }
}
