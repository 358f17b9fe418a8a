using SpikeKit.Losses;
using SpikeKit.Native;
using SpikeKit.Neurons;
using TorchSharp;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Losses;

public class TaskLossAndScheduleTests
{
    public TaskLossAndScheduleTests() => TorchNative.EnsureLoaded();

    // Outputs [T = 2, B = 1, K = 2]: O_0 = (1, 0), O_1 = (0, 2); target class 0.
    static Tensor Outputs() => F64([1, 0, 0, 2], 2, 1, 2);
    static Tensor Target() => tensor(new long[] { 0 });

    [Fact]
    public void TetMatchesHandComputation()
    {
        // CE(O_0, 0) = −log(e¹/(e¹ + e⁰)) = log(1 + e⁻¹);  CE(O_1, 0) = −log(e⁰/(e⁰ + e²)) = log(1 + e²).
        // MSE(O, φ = 1) over all 4 entries: ((1−1)² + (0−1)² + (0−1)² + (2−1)²)/4 = 0.75.
        // L = (1 − 0.05)·(CE_0 + CE_1)/2 + 0.05·0.75.
        double ce0 = Math.Log(1 + Math.Exp(-1)), ce1 = Math.Log(1 + Math.Exp(2));
        Close(0.31326168751822286, ce0, 1e-15);
        double expected = 0.95 * (ce0 + ce1) / 2 + 0.05 * 0.75;
        using var scope = NewDisposeScope();
        Close(expected, Scalar(new TetLoss().Compute(Outputs(), Target())), 1e-12, "tet");
        // λ = 0 is the mean of per-step CEs; λ = 1 is the MSE alone.
        Close((ce0 + ce1) / 2, Scalar(new TetLoss(Lambda: 0).Compute(Outputs(), Target())), 1e-12, "tet λ=0");
        // φ = 0: MSE = (1 + 0 + 0 + 4)/4 = 1.25.
        Close(1.25, Scalar(new TetLoss(Lambda: 1, Phi: 0).Compute(Outputs(), Target())), 1e-12, "tet mse φ=0");
    }

    [Fact]
    public void TetGradientMatchesHandComputation()
    {
        // dL/dO_t = (1 − λ)/T·(softmax(O_t) − onehot(y)) + λ·2(O_t − φ)/N, T = 2, N = 4, λ = 0.05:
        //   O_0 = (1, 0): softmax = (q, 1 − q), q = 1/(1 + e⁻¹); O_0 − 1 = (0, −1)
        //   O_1 = (0, 2): softmax = (r, 1 − r), r = 1/(1 + e²);  O_1 − 1 = (−1, 1)
        using var scope = NewDisposeScope();
        var o = Outputs().requires_grad_(true);
        new TetLoss().Compute(o, Target()).backward();
        double q = 1 / (1 + Math.Exp(-1)), r = 1 / (1 + Math.Exp(2));
        double[] expected =
        [
            0.475 * (q - 1) + 0.025 * 0, 0.475 * (1 - q) + 0.025 * -1,
            0.475 * (r - 1) + 0.025 * -1, 0.475 * (1 - r) + 0.025 * 1,
        ];
        Close(expected, Values(o.grad!), 1e-12, "tet grad");
    }

    [Fact]
    public void TetAveragesOverBatchAndTime()
    {
        // B = 2, T = 2, K = 2, λ = 0: targets (0, 1).
        // b0 at t0: (1, 0) → log(1 + e⁻¹);  b1 at t0: (0, 0) → log 2;
        // b0 at t1: (0, 2) → log(1 + e²);   b1 at t1: (3, 0) → −log(e⁰/(e³ + 1)) = log(1 + e³).
        using var scope = NewDisposeScope();
        var o = F64([1, 0, 0, 0, 0, 2, 3, 0], 2, 2, 2);
        var y = tensor(new long[] { 0, 1 });
        double expected = (Math.Log(1 + Math.Exp(-1)) + Math.Log(2) + Math.Log(1 + Math.Exp(2)) + Math.Log(1 + Math.Exp(3))) / 4;
        Close(expected, Scalar(new TetLoss(Lambda: 0).Compute(o, y)), 1e-12);
    }

    [Fact]
    public void CrossEntropyIsTakenOnTheTimeMean()
    {
        // mean over T: ((1 + 0)/2, (0 + 2)/2) = (0.5, 1); CE(·, 0) = −log(e^0.5/(e^0.5 + e¹)) = log(1 + e^0.5).
        using var scope = NewDisposeScope();
        var ce = new MeanOutputCrossEntropy();
        Close(Math.Log(1 + Math.Exp(0.5)), Scalar(ce.Compute(Outputs(), Target())), 1e-12, "ce");
        Close(0.9740769841801067, Math.Log(1 + Math.Exp(0.5)), 1e-15);
        // Gradient: d/dO_t = (softmax(mean) − onehot)/T: softmax(0.5, 1) = (p, 1 − p), p = 1/(1 + e^0.5).
        var o = Outputs().requires_grad_(true);
        ce.Compute(o, Target()).backward();
        double p = 1 / (1 + Math.Exp(0.5));
        Close([(p - 1) / 2, (1 - p) / 2, (p - 1) / 2, (1 - p) / 2], Values(o.grad!), 1e-12, "ce grad");
        Assert.Equal("ce", ce.Name);
    }

    [Fact]
    public void ConstantScheduleIsFlat()
    {
        var s = LambdaSchedule.Parse("constant", 0.1);
        Assert.IsType<ConstantLambda>(s);
        foreach (int e in new[] { 0, 1, 5, 99 }) Assert.Equal(0.1, s.At(e, 100));
        Assert.Equal(0.1, s.Value);
    }

    [Fact]
    public void LinearWarmupScheduleRampsThenHolds()
    {
        // λ(e) = 0.1·min(1, (e + 1)/4): e = 0 → 0.025, 1 → 0.05, 2 → 0.075, 3 → 0.1, 10 → 0.1.
        var s = LambdaSchedule.Parse("linear:4", 0.1);
        Close([0.025, 0.05, 0.075, 0.1, 0.1], new[] { 0, 1, 2, 3, 10 }.Select(e => s.At(e, 20)).ToArray(), 1e-15, "linear:4");
        Assert.Equal("linear:4", s.ToString());
        // "linear" without W: W = max(1, E/4) = 5 for E = 20 → e = 0: 0.02, e = 4: 0.1. For E = 2: W = 1 → 0.1 at once.
        var d = LambdaSchedule.Parse("linear", 0.1);
        Close(0.02, d.At(0, 20), 1e-15, "linear e0");
        Close(0.1, d.At(4, 20), 1e-15, "linear e4");
        Close(0.1, d.At(0, 2), 1e-15, "linear E=2");
    }

    [Fact]
    public void CosineScheduleRampsFromZeroToPeak()
    {
        // λ(e) = 0.1·(1 − cos(π(e + 1)/E))/2 with E = 4:
        // e = 0: 0.1·(1 − cos(π/4))/2 = 0.1·(1 − 0.70710678)/2 = 0.0146446609; e = 1: 0.1·(1 − 0)/2 = 0.05;
        // e = 2: 0.1·(1 + 0.70710678)/2 = 0.0853553391; e = 3: 0.1·(1 + 1)/2 = 0.1.
        var s = LambdaSchedule.Parse(" Cosine ", 0.1);
        Close([0.0146446609, 0.05, 0.0853553391, 0.1], new[] { 0, 1, 2, 3 }.Select(e => s.At(e, 4)).ToArray(), 1e-10, "cosine");
    }

    [Theory]
    [InlineData("linear:0")]
    [InlineData("linear:x")]
    [InlineData("exp")]
    public void ScheduleParseRejectsUnknownForms(string text)
    {
        var ex = Assert.Throws<ArgumentException>(() => LambdaSchedule.Parse(text, 0.1));
        Assert.Contains("lambda-schedule", ex.Message);
    }

    [Fact]
    public void CompositeTotalIsTaskPlusWeightedTerms()
    {
        // Task: CE on the mean = log(1 + e^0.5) (above). Layer: u = [−0.3, 0.2, 0.6, 1.4], o = [0, 0, 1, 1]:
        // RMP = 0.05, MPD = 0.0625, IM = (0.5 − 0.5)² = 0.
        // λ_rmp = linear:4 with peak 0.1 at epoch 1 → 0.05; λ_mpd = 0.2 constant; λ_im = 0.005.
        // Total = log(1 + e^0.5) + 0.05·0.05 + 0.2·0.0625 + 0.005·0.
        using var scope = NewDisposeScope();
        var u = F64([-0.3, 0.2, 0.6, 1.4], 2, 1, 2).requires_grad_(true);
        var layer = new NeuronActivity("l", u, F64([0, 0, 1, 1], 2, 1, 2), 0.5);
        var loss = CompositeLoss.Baseline
            .With(new RmpLoss(), LambdaSchedule.Parse("linear:4", 0.1))
            .With(new MpdLoss(), 0.2)
            .With(new ImLoss(), 0.005);
        var r = loss.Compute(Outputs(), Target(), [layer], epoch: 1, totalEpochs: 10);
        double task = Math.Log(1 + Math.Exp(0.5));
        Close(task, Scalar(r.Task), 1e-12, "task");
        Assert.Equal(["rmp", "mpd", "im"], r.Terms.Select(t => t.Name));
        Close([0.05, 0.2, 0.005], r.Terms.Select(t => t.Weight).ToArray(), 1e-15, "weights");
        Close([0.05, 0.0625, 0.0], r.Terms.Select(t => Scalar(t.Value)).ToArray(), 1e-12, "values");
        Close(task + 0.05 * 0.05 + 0.2 * 0.0625, Scalar(r.Total), 1e-12, "total");
        // Gradient of the total w.r.t. u: 0.05·RMP' + 0.2·MPD' = 0.05·[0, 0.1, −0.2, 0] + 0.2·[−0.15, 0, 0, 0.2].
        r.Total.backward();
        Close([-0.03, 0.005, -0.01, 0.04], Values(u.grad!), 1e-12, "total grad");
    }

    [Fact]
    public void CompositeWithoutRegularizersIsTheTask()
    {
        using var scope = NewDisposeScope();
        var r = CompositeLoss.Baseline.Compute(Outputs(), Target(), []);
        Assert.Empty(r.Terms);
        Assert.Equal(Scalar(r.Task), Scalar(r.Total));
    }
}
