using System.Diagnostics;
using SpikeKit.Data;
using SpikeKit.Losses;
using SpikeKit.Models;
using SpikeKit.Probes;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Training;

/// <summary>
/// Trains a <see cref="SpikingNetwork"/> with surrogate gradients (BPTT through the unrolled timesteps):
/// per batch <c>L = L_task + Σ λ_i(epoch)·R_i</c>, backward, optimizer step; per epoch an evaluation on the test set
/// with per-layer probes. Every tensor of a step lives in that step's dispose scope, so memory stays flat.
/// </summary>
public sealed class Trainer : IDisposable
{
    readonly SpikingNetwork _model;
    readonly CompositeLoss _loss;
    readonly TrainingOptions _options;
    readonly optim.Optimizer _optimizer;
    readonly Device _device;

    /// <summary>Training steps between returns of freed heap memory to the OS (see <see cref="Native.TorchNative.ReleaseFreeMemory"/>).</summary>
    const int TrimEvery = 20;

    /// <summary>Creates the trainer and its optimizer (weight decay only on parameters of rank ≥ 2).
    /// Batches are moved to <paramref name="device"/> (default CPU); the model must already be there.</summary>
    public Trainer(SpikingNetwork model, CompositeLoss loss, TrainingOptions options, Device? device = null)
    {
        _device = device ?? CPU;
        _model = model;
        _loss = loss;
        _options = options.Validate();
        var decay = model.parameters().Where(p => p.dim() >= 2).ToList();
        var noDecay = model.parameters().Where(p => p.dim() < 2).ToList();
        double lr = options.LearningRateAt(0);
        _optimizer = options.Optimizer switch
        {
            OptimizerKind.Sgd => optim.SGD(
                [new SGD.ParamGroup(decay, lr: lr, momentum: options.Momentum, weight_decay: options.WeightDecay),
                 new SGD.ParamGroup(noDecay, lr: lr, momentum: options.Momentum, weight_decay: 0)],
                lr, options.Momentum),
            OptimizerKind.AdamW => optim.AdamW(
                [new AdamW.ParamGroup(decay, lr: lr, weight_decay: options.WeightDecay),
                 new AdamW.ParamGroup(noDecay, lr: lr, weight_decay: 0)],
                lr),
            _ => throw new ArgumentException($"optimizer: unknown {options.Optimizer}"),
        };
    }

    /// <summary>The optimizer (for checkpoints).</summary>
    public optim.Optimizer Optimizer => _optimizer;

    /// <summary>Runs epochs <paramref name="startEpoch"/> … E−1 (0-based), yielding each epoch's metrics as it ends.</summary>
    public IEnumerable<EpochMetrics> Fit(BatchLoader train, BatchLoader test, ITrainingProgress? progress = null, int startEpoch = 0)
    {
        for (int epoch = startEpoch; epoch < _options.Epochs; epoch++)
            yield return RunEpoch(epoch, train, test, progress);
    }

    /// <summary>One training epoch followed by evaluation on <paramref name="test"/>.</summary>
    public EpochMetrics RunEpoch(int epoch, BatchLoader train, BatchLoader test, ITrainingProgress? progress = null)
    {
        double lr = _options.LearningRateAt(epoch);
        foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
        var clock = Stopwatch.StartNew();
        _model.train();
        _model.RecordActivity(true);
        int batches = train.BatchesPerEpoch, b = 0;
        double sumLoss = 0, sumTask = 0;
        var sumRegs = new double[_loss.Regularizers.Count];
        var lambdas = new double[_loss.Regularizers.Count];
        long correct = 0, seen = 0;
        foreach (var batch in train.Epoch(epoch))
        {
            using var scope = NewDisposeScope();
            using var xb = batch.Images;
            using var yb = batch.Labels;
            var x = xb.to(_device);
            var y = yb.to(_device);
            _optimizer.zero_grad();
            var output = _model.forward(x);
            var parts = _loss.Compute(output, y, _model.Activity(), epoch, _options.Epochs);
            parts.Total.backward();
            double total = parts.Total.item<float>();
            if (!double.IsFinite(total)) throw new TrainingDivergedException(epoch, b, total);
            _optimizer.step();
            sumLoss += total;
            sumTask += parts.Task.item<float>();
            for (int i = 0; i < parts.Terms.Count; i++)
            {
                sumRegs[i] += parts.Terms[i].Value.item<float>();
                lambdas[i] = parts.Terms[i].Weight;
            }
            using (no_grad())
                correct += output.mean([0]).argmax(1).eq(y).sum().item<long>();
            seen += y.shape[0];
            b++;
            if (b % TrimEvery == 0) Native.TorchNative.ReleaseFreeMemory();
            progress?.OnBatch(epoch, _options.Epochs, b - 1, batches, sumLoss / b, (double)correct / seen);
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var probe = new ActivityProbe();
        var (testLoss, testAcc) = Evaluate(test, probe);
        var regs = _loss.Regularizers.Select((r, i) => new RegularizerValue(r.Regularizer.Name, lambdas[i], sumRegs[i] / Math.Max(1, b))).ToList();
        var metrics = new EpochMetrics(epoch + 1, lr, sumLoss / Math.Max(1, b), sumTask / Math.Max(1, b), regs,
            (double)correct / Math.Max(1, seen), testLoss, testAcc, probe.Snapshot(), trainSeconds, clock.Elapsed.TotalSeconds);
        progress?.OnEpoch(metrics, _options.Epochs);
        return metrics;
    }

    /// <summary>Mean task loss and accuracy on <paramref name="data"/> in eval mode; fills <paramref name="probe"/> when given.</summary>
    public (double Loss, double Accuracy) Evaluate(BatchLoader data, ActivityProbe? probe = null)
    {
        _model.eval();
        _model.RecordActivity(probe is not null);
        double sumLoss = 0;
        long correct = 0, seen = 0;
        using (no_grad())
        {
            foreach (var batch in data.Epoch(0))
            {
                using var scope = NewDisposeScope();
                using var xb = batch.Images;
                using var yb = batch.Labels;
                var x = xb.to(_device);
                var y = yb.to(_device);
                var output = _model.forward(x);
                long n = y.shape[0];
                sumLoss += _loss.Task.Compute(output, y).item<float>() * n;
                correct += output.mean([0]).argmax(1).eq(y).sum().item<long>();
                seen += n;
                probe?.Accumulate(_model.Activity());
            }
        }
        _model.RecordActivity(true);
        Native.TorchNative.ReleaseFreeMemory();
        return (sumLoss / Math.Max(1, seen), (double)correct / Math.Max(1, seen));
    }

    /// <inheritdoc />
    public void Dispose() => _optimizer.Dispose();
}
