using SpikeKit.Native;
using TorchSharp;

namespace SpikeKit.Tests.Native;

public class TorchNativeTests
{
    [Fact]
    public void NativeBackendLoadsAndRunsATensorOp()
    {
        TorchNative.EnsureLoaded();
        using var a = torch.tensor(new float[] { 1, 2, 3, 4 }).reshape(2, 2);
        using var b = torch.mm(a, a);
        Assert.Equal(new float[] { 7, 10, 15, 22 }, b.data<float>().ToArray());
        Assert.NotEqual("not loaded", TorchNative.Description);
    }
}
