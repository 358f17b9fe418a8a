using TorchSharp;
using SpikeKit.Neurons;
using static TorchSharp.torch;

namespace SpikeKit.Losses;

/// <summary>A regularizer with its λ schedule.</summary>
/// <param name="Regularizer">The regularizer.</param>
/// <param name="Lambda">Its weight over epochs.</param>
public sealed record WeightedRegularizer(IRegularizer Regularizer, LambdaSchedule Lambda);

/// <summary>The parts of a loss evaluation; every tensor belongs to the caller's dispose scope.</summary>
/// <param name="Total">L = L_task + Σ_i λ_i(epoch)·R_i, the tensor to call <c>backward()</c> on.</param>
/// <param name="Task">L_task.</param>
/// <param name="Terms">Each regularizer's name, weight λ_i(epoch) and unweighted value R_i.</param>
public sealed record LossBreakdown(Tensor Total, Tensor Task, IReadOnlyList<(string Name, double Weight, Tensor Value)> Terms);

/// <summary>
/// Task loss plus any list of weighted regularizers: <c>L = L_task + Σ_i λ_i(epoch)·R_i</c>
/// (RMP-Loss: <c>L = L_CE + λ·L_RMP</c>, Guo et al., ICCV 2023).
/// </summary>
/// <param name="Task">The task loss.</param>
/// <param name="Regularizers">The weighted regularizers (may be empty).</param>
public sealed record CompositeLoss(ITaskLoss Task, IReadOnlyList<WeightedRegularizer> Regularizers)
{
    /// <summary>Cross-entropy on the mean output, no regularizer (the baseline).</summary>
    public static CompositeLoss Baseline { get; } = new(new MeanOutputCrossEntropy(), []);

    /// <summary>Adds a regularizer with a constant weight.</summary>
    public CompositeLoss With(IRegularizer regularizer, double lambda) => With(regularizer, new ConstantLambda(lambda));

    /// <summary>Adds a regularizer with a schedule.</summary>
    public CompositeLoss With(IRegularizer regularizer, LambdaSchedule lambda) =>
        this with { Regularizers = [.. Regularizers, new WeightedRegularizer(regularizer, lambda)] };

    /// <summary>Evaluates the loss for outputs <c>[T, B, K]</c>, targets <c>[B]</c> and the layers' activity.</summary>
    public LossBreakdown Compute(Tensor outputs, Tensor targets, IReadOnlyList<NeuronActivity> layers, int epoch = 0, int totalEpochs = 1)
    {
        var task = Task.Compute(outputs, targets);
        var total = task.alias();
        var terms = new List<(string, double, Tensor)>(Regularizers.Count);
        foreach (var (reg, schedule) in Regularizers)
        {
            double w = schedule.At(epoch, totalEpochs);
            var value = reg.Compute(layers);
            terms.Add((reg.Name, w, value));
            if (w == 0) continue;
            using var scalar = w.ToScalar();
            using var weighted = value.mul(scalar);
            var next = total.add(weighted);
            total.Dispose();
            total = next;
        }
        return new LossBreakdown(total, task, terms);
    }
}
