using SpikeKit.Layers;
using SpikeKit.Native;
using TorchSharp;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Layers;

public class LayerTests
{
    public LayerTests() => TorchNative.EnsureLoaded();

    // Input [T = 2, B = 2, C = 2, H = 1, W = 2], 8 values per channel, statistics known by construction:
    //   channel 0: all 1 at t = 0, all 3 at t = 1 → mean 2, biased var 1 (each value ±1 from the mean), unbiased var 8/7.
    //     (Per-timestep statistics would give var 0: this catches normalizing over B, H, W only.)
    //   channel 1: four −3 and four 1 spread over t and b → mean −1, biased var 4 (each ±2), unbiased var 32/7.
    static Tensor Input()
    {
        var x = new double[2 * 2 * 2 * 1 * 2];
        double[][] ch1 = [[-3, 1], [-3, -3], [1, 1], [1, -3]]; // (t, b) = (0,0), (0,1), (1,0), (1,1)
        for (int t = 0; t < 2; t++)
            for (int b = 0; b < 2; b++)
                for (int w = 0; w < 2; w++)
                {
                    int baseIdx = ((t * 2 + b) * 2) * 2; // [t, b, c, 0, w] with H = 1
                    x[baseIdx + 0 * 2 + w] = t == 0 ? 1 : 3;
                    x[baseIdx + 1 * 2 + w] = ch1[t * 2 + b][w];
                }
        return F64(x, 2, 2, 2, 1, 2);
    }

    static double[] Raw() => Values(Input());

    [Fact]
    public void TrainingOutputNormalizesOverTimeBatchAndSpace()
    {
        // y = λ·α·V_th·(x − mean)/√(var + ε) + β, with α·V_th = 1·0.5, biased var, ε = 1e-5, λ = 1, β = 0.
        using var scope = NewDisposeScope();
        var bn = new ThresholdDependentBatchNorm(2, alpha: 1.0, threshold: 0.5).to(ScalarType.Float64);
        bn.train();
        var y = bn.forward(Input());
        Assert.Equal(new long[] { 2, 2, 2, 1, 2 }, y.shape);
        double[] mean = [2, -1], var = [1, 4];
        var x = Raw();
        var expected = x.Select((v, i) => { int c = (i / 2) % 2; return 0.5 * (v - mean[c]) / Math.Sqrt(var[c] + 1e-5); }).ToArray();
        Close(expected, Values(y), 1e-12, "tdBN output");
        // e.g. channel 0 at t = 1: 0.5·(3 − 2)/√(1 + 1e-5) ≈ 0.4999975
        Close(0.5 / Math.Sqrt(1.00001), Values(y)[8], 1e-12, "one entry");
    }

    [Fact]
    public void AffineParametersScaleAndShift()
    {
        // λ = (2, 3), β = (0.3, −0.1), α = 2, V_th = 0.5 → factor α·V_th = 1: y = λ_c·(x − m_c)/√(v_c + ε) + β_c.
        using var scope = NewDisposeScope();
        var bn = new ThresholdDependentBatchNorm(2, alpha: 2.0, threshold: 0.5).to(ScalarType.Float64);
        Assert.Equal(1.0, bn.Scale);
        using (no_grad())
        {
            bn.weight.copy_(F64([2, 3], 2));
            bn.bias.copy_(F64([0.3, -0.1], 2));
        }
        var y = bn.forward(Input());
        double[] mean = [2, -1], var = [1, 4], lam = [2, 3], beta = [0.3, -0.1];
        var expected = Raw().Select((v, i) => { int c = (i / 2) % 2; return lam[c] * (v - mean[c]) / Math.Sqrt(var[c] + 1e-5) + beta[c]; }).ToArray();
        Close(expected, Values(y), 1e-12, "affine tdBN");
        // Gradient of Σy w.r.t. β_c is the count per channel (8); w.r.t. λ_c is Σ x̂ = 0.
        y.sum().backward();
        Close([8, 8], Values(bn.bias.grad!), 1e-12, "dβ");
        Close([0, 0], Values(bn.weight.grad!), 1e-9, "dλ");
    }

    [Fact]
    public void RunningStatisticsUseMomentumAndUnbiasedVariance()
    {
        // PyTorch: running = (1 − 0.1)·running + 0.1·batch, with the unbiased variance (n = 8, factor 8/7).
        // mean: 0.9·0 + 0.1·(2, −1) = (0.2, −0.1)
        // var:  0.9·1 + 0.1·(8/7, 32/7) = (0.9 + 0.8/7, 0.9 + 3.2/7) = (1.0142857…, 1.3571428…)
        using var scope = NewDisposeScope();
        var bn = new ThresholdDependentBatchNorm(2).to(ScalarType.Float64);
        bn.train();
        bn.forward(Input());
        var buffers = bn.named_buffers().ToDictionary(b => b.name, b => b.buffer);
        Assert.Equal(2, buffers.Count);
        Close([0.2, -0.1], Values(buffers["running_mean"]), 1e-12, "running_mean");
        Close([0.9 + 0.8 / 7, 0.9 + 3.2 / 7], Values(buffers["running_var"]), 1e-12, "running_var");
        // A second step: mean 0.9·0.2 + 0.1·2 = 0.38; var 0.9·(0.9 + 0.8/7) + 0.1·8/7.
        bn.forward(Input());
        Close([0.38, -0.19], Values(buffers["running_mean"]), 1e-12, "running_mean 2");
        Close([0.9 * (0.9 + 0.8 / 7) + 0.8 / 7, 0.9 * (0.9 + 3.2 / 7) + 3.2 / 7], Values(buffers["running_var"]), 1e-12, "running_var 2");

        // Evaluation uses the running statistics: y = 0.5·(x − rm)/√(rv + ε); no update in eval.
        bn.eval();
        var y = bn.forward(Input());
        var rm = Values(buffers["running_mean"]);
        var rv = Values(buffers["running_var"]);
        var expected = Raw().Select((v, i) => { int c = (i / 2) % 2; return 0.5 * (v - rm[c]) / Math.Sqrt(rv[c] + 1e-5); }).ToArray();
        Close(expected, Values(y), 1e-12, "eval output");
        Close([0.38, -0.19], Values(buffers["running_mean"]), 1e-12, "eval leaves running_mean");
    }

    [Fact]
    public void TdBNRejectsWrongShapes()
    {
        using var scope = NewDisposeScope();
        var bn = new ThresholdDependentBatchNorm(3);
        Assert.Throws<ArgumentException>(() => bn.forward(zeros([2, 4, 2, 5, 5])));   // C = 2 ≠ 3
        Assert.Throws<ArgumentException>(() => bn.forward(zeros([2, 3])));            // no channel axis
        Assert.Throws<ArgumentException>(() => new ThresholdDependentBatchNorm(0));
    }

    [Fact]
    public void TimeDistributedFoldsTimeIntoBatch()
    {
        // Linear 2 → 1 with w = (1, 10), b = 0.5 on [T = 2, B = 3, 2]: y[t, b] = x0 + 10·x1 + 0.5.
        using var scope = NewDisposeScope();
        var lin = nn.Linear(2, 1).to(ScalarType.Float64);
        using (no_grad())
        {
            lin.weight!.copy_(F64([1, 10], 1, 2));
            lin.bias!.copy_(F64([0.5], 1));
        }
        var td = new TimeDistributed(lin);
        double[] x = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12];
        var y = td.forward(F64(x, 2, 3, 2));
        Assert.Equal(new long[] { 2, 3, 1 }, y.shape);
        Close([21.5, 43.5, 65.5, 87.5, 109.5, 131.5], Values(y), 1e-12, "td linear");
        Assert.Same(lin, td.Inner);
        Assert.Throws<ArgumentException>(() => td.forward(F64([1, 2], 2)));
    }
}
