using SpikeKit.Layers;
using SpikeKit.Neurons;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Models;

/// <summary>
/// <c>AveragePool(k)(LIF(tdBN(x)))</c> in training as one autograd node whose normalized input is never written: tdBN's
/// statistics pass, then the pooled LIF reading <c>A·x + Shift</c> block by block (<c>FusedLif.PooledForward</c>); backward
/// the pooled LIF's BPTT, which also takes the per-plane sums of ∂L/∂n and ∂L/∂n·x while each block is in cache, then tdBN's
/// input gradient written over ∂L/∂n. Saves a write and a read of the normalized tensor forward and tdBN's pass over ∂L/∂n
/// and x backward. Every value is computed as the three layers compute it (the same per-plane sums in the same order), so
/// spikes, gradients and running statistics have their bits (<c>FusedLayerTests</c>).
/// </summary>
internal static class FusedNormFireAndPool
{
    /// <summary>The node's output, or null where it does not apply (not training, a kernel not fused, activity recorded, a
    /// channels-last or repeated input, a user-defined surrogate).</summary>
    public static Tensor? Forward(ThresholdDependentBatchNorm norm, LifNeuron neuron, AveragePool pool, Tensor x)
    {
        if (!pool.Fused || x.dim() != 5 || x.stride(0) == 0 || !norm.TrainsRowMajorByKernel(x) || !neuron.FusesPooled(x, pool.Kernel)) return null;
        using var w = norm.ScaledWeight();
        var y = Function.apply(x, w, norm.Bias, norm, neuron.Options, pool.Kernel)[0];
        neuron.ClearActivity();
        return y;
    }

    sealed class Function : autograd.MultiTensorFunction<Function>
    {
        public override string Name => "SpikeKitNormFireAndPool";

        public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            var w = (Tensor)vars[1];
            var norm = (ThresholdDependentBatchNorm)vars[3];
            var o = (NeuronOptions)vars[4];
            int k = (int)vars[5];
            using var folded = x.flatten(0, 1);
            var statistics = norm.TrainingPass(folded, w);
            var y = FusedLif.PooledForward(x, o, k, (statistics.A, statistics.Shift));
            ctx.save_for_backward([x, w]);
            ctx.save_data("norm", norm);
            ctx.save_data("o", o);
            ctx.save_data("k", k);
            ctx.save_data("statistics", statistics);
            return [y];
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
        {
            var saved = ctx.get_saved_variables();
            using var x = saved[0];
            using var w = saved[1];
            var norm = (ThresholdDependentBatchNorm)ctx.get_data("norm");
            var statistics = (ThresholdDependentBatchNorm.TrainingStatistics)ctx.get_data("statistics");
            long planes = x.shape[0] * x.shape[1] * x.shape[2];
            var planeG = new double[planes];
            var planeGx = new double[planes];
            var gx = FusedLif.PooledBackward(x, 0, grad_outputs[0], (NeuronOptions)ctx.get_data("o"), (int)ctx.get_data("k"),
                (statistics.A, statistics.Shift), planeG, planeGx);
            using var gFolded = gx.flatten(0, 1);
            using var xFolded = x.flatten(0, 1);
            var (gw, gb) = norm.TrainingBackward(gFolded, xFolded, w, planeG, planeGx, statistics);
            return [gx, gw, gb, null!, null!, null!];
        }
    }
}
