using SpikeKit.Losses;
using SpikeKit.Models;
using SpikeKit.Native;
using SpikeKit.Neurons;
using SpikeKit.Surrogates;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Memory;

/// <summary>Runs alone: it reads process-wide tensor counters that parallel tests would disturb.</summary>
[CollectionDefinition(nameof(MemoryCollection), DisableParallelization = true)]
public sealed class MemoryCollection;

[Collection(nameof(MemoryCollection))]
public class MemoryTests
{
    readonly ITestOutputHelper _out;

    public MemoryTests(ITestOutputHelper output)
    {
        TorchNative.EnsureLoaded();
        _out = output;
    }

    /// <summary>Tensors alive in the process (TorchSharp's own counter) after finalizers of unreachable ones have run.</summary>
    static long LiveTensors()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        return torch.Tensor.TotalCount;
    }

    [Theory]
    [InlineData(SurrogateMode.Detach, false)]
    [InlineData(SurrogateMode.Autograd, false)]
    [InlineData(SurrogateMode.Detach, true)]
    public void TrainingStepsInADisposeScopeDoNotAccumulateTensors(SurrogateMode mode, bool fused)
    {
        // One intra-op thread: this test counts tensors, not speed, and OpenMP threads spin badly on a busy 2-core machine.
        int threads = torch.get_num_threads();
        torch.set_num_threads(1);
        try { Train(mode, fused); }
        finally { torch.set_num_threads(threads); }
    }

    void Train(SurrogateMode mode, bool fused)
    {
        // The per-thread counters include whatever earlier tests on this xunit thread left alive (models built outside a
        // scope, say); start from a clean slate so that only this test's tensors are counted.
        DisposeScopeManager.Statistics.Reset();
        torch.manual_seed(7);
        var model = new SpikingCnn(new ModelOptions(TimeSteps: 2, Width: 0.25,
            Neuron: new NeuronOptions(Surrogate: new TanhSurrogate() with { Mode = mode }, Fused: fused)));
        model.train();
        var optimizer = optim.SGD(model.parameters(), 0.01);
        var loss = CompositeLoss.Baseline.With(new RmpLoss(), 0.1);
        long after20 = 0, after200 = 0, thread20 = 0, thread200 = 0;
        long threadBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;   // other tests may have left tensors on this thread
        for (int step = 1; step <= 200; step++)
        {
            using (NewDisposeScope())
            {
                var x = rand(8, 1, 28, 28);
                var y = randint(0, 10, [8]);
                optimizer.zero_grad();
                var outputs = model.forward(x);
                var r = loss.Compute(outputs, y, model.Activity());
                r.Total.backward();
                optimizer.step();
                Assert.False(double.IsNaN(r.Total.item<float>()));
            }
            if (step == 20) { after20 = LiveTensors(); thread20 = DisposeScopeManager.Statistics.ThreadTotalLiveCount; }
            if (step == 200) { after200 = LiveTensors(); thread200 = DisposeScopeManager.Statistics.ThreadTotalLiveCount; }
        }
        _out.WriteLine($"{mode}, fused {fused}: live tensors after step 20: {after20}, after step 200: {after200}; this thread: {thread20} / {thread200}");
        Assert.True(after20 > 0);
        Assert.Equal(after20, after200);
        Assert.Equal(thread20, thread200);
        // On this thread, the parameters and their gradients are (almost) all that is left: far fewer than one step creates.
        // (The process-wide count also holds other tests' tensors awaiting finalization, so it is only compared with itself.)
        Assert.True(thread200 - threadBefore < 200, $"{thread200 - threadBefore} more live tensors on this thread after 200 steps");
    }
}
