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
    int _steps;
    ModelGraph? _graph;
    bool _graphRead, _timeVaryingInput;

    /// <summary>Training steps between returns of freed heap memory to the OS (see <see cref="Native.TorchNative.ReleaseFreeMemory"/>).</summary>
    const int TrimEvery = 20;

    /// <summary>Creates the trainer and its optimizer (weight decay only on parameters of rank ≥ 2).
    /// Batches are moved to <paramref name="device"/> (default CPU); the model must already be there.
    /// Tunes glibc's allocator for training once per process (<see cref="Native.TorchNative.TuneAllocator"/>).</summary>
    public Trainer(SpikingNetwork model, CompositeLoss loss, TrainingOptions options, Device? device = null)
    {
        _device = device ?? CPU;
        Native.TorchNative.TuneAllocator();
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

    /// <summary>
    /// Trains epochs <paramref name="startEpoch"/> … E−1 (0-based) now, and returns every trained epoch's metrics.
    /// <paramref name="afterEpoch"/> sees each epoch's metrics as soon as it ends (to write or checkpoint them).
    /// </summary>
    public IReadOnlyList<EpochMetrics> Fit(IBatchSource train, IBatchSource test, ITrainingProgress? progress = null, int startEpoch = 0,
        Action<EpochMetrics>? afterEpoch = null)
    {
        var history = new List<EpochMetrics>();
        for (int epoch = startEpoch; epoch < _options.Epochs; epoch++)
        {
            var m = RunEpoch(epoch, train, test, progress);
            history.Add(m);
            afterEpoch?.Invoke(m);
        }
        return history;
    }

    /// <summary>One training epoch followed by evaluation on <paramref name="test"/>.</summary>
    public EpochMetrics RunEpoch(int epoch, IBatchSource train, IBatchSource test, ITrainingProgress? progress = null)
    {
        double lr = _options.LearningRateAt(epoch);
        foreach (var g in _optimizer.ParamGroups) g.LearningRate = lr;
        var clock = Stopwatch.StartNew();
        _model.train();
        int batches = train.BatchesPerEpoch, b = 0;
        double sumLoss = 0, sumTask = 0;
        var sumRegs = new double[_loss.Regularizers.Count];
        var lambdas = new double[_loss.Regularizers.Count];
        long correct = 0, seen = 0;
        foreach (var batch in train.Epoch(epoch))
        {
            using var xb = batch.Images;
            using var yb = batch.Labels;
            var r = TrainStep(xb, yb, epoch, b);
            sumLoss += r.Loss;
            sumTask += r.TaskLoss;
            for (int i = 0; i < r.Regularizers.Count; i++)
            {
                sumRegs[i] += r.Regularizers[i].Value;
                lambdas[i] = r.Regularizers[i].Lambda;
            }
            correct += r.Correct;
            seen += r.Samples;
            b++;
            progress?.OnBatch(epoch, _options.Epochs, b - 1, batches, sumLoss / b, (double)correct / seen);
        }
        double trainSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        var eval = Measure(test);
        if (!double.IsFinite(eval.Loss)) throw new TrainingDivergedException(epoch, -1, eval.Loss);
        var regs = _loss.Regularizers.Select((r, i) => new RegularizerValue(r.Regularizer.Name, lambdas[i], sumRegs[i] / Math.Max(1, b))).ToList();
        var metrics = new EpochMetrics(epoch + 1, lr, sumLoss / Math.Max(1, b), sumTask / Math.Max(1, b), regs,
            (double)correct / Math.Max(1, seen), eval.Loss, eval.Accuracy, eval.Layers, trainSeconds, clock.Elapsed.TotalSeconds, eval.Energy);
        progress?.OnEpoch(metrics, _options.Epochs);
        return metrics;
    }

    /// <summary>
    /// One optimization step on one batch, as <see cref="RunEpoch"/> does it for each batch: forward,
    /// <c>L = L_task + Σ λ_i(epoch)·R_i</c>, backward, optimizer step. Every tensor the step makes is disposed before it
    /// returns (the batch itself belongs to the caller). Puts the model in training mode if it is not, and has the neurons
    /// record their activity only when the loss has a regularizer (which reads it); the learning rate
    /// is the optimizer's current one (<see cref="RunEpoch"/> sets it per epoch). After the step it finalizes the native
    /// handles TorchSharp left to the garbage collector, and every few dozen steps it returns freed heap memory to the OS
    /// (<see cref="Native.TorchNative.ReleaseFreeMemory"/>).
    /// </summary>
    /// <param name="images">Input batch <c>[B, C, H, W]</c> (moved to the trainer's device).</param>
    /// <param name="labels">Targets <c>[B]</c>.</param>
    /// <param name="epoch">0-based epoch, for the λ schedules.</param>
    /// <param name="batch">0-based batch within the epoch (only named in the exception when the loss diverges).</param>
    /// <exception cref="TrainingDivergedException">When the loss is not finite (the optimizer step is skipped).</exception>
    public TrainStepResult TrainStep(Tensor images, Tensor labels, int epoch = 0, int batch = 0)
    {
        if (!_model.training) _model.train();
        _model.RecordActivity(_loss.Regularizers.Count > 0);
        var regs = new RegularizerValue[_loss.Regularizers.Count];
        double total, task;
        long correct;
        using (NewDisposeScope())
        {
            var x = images.to(_device);
            var y = labels.to(_device);
            _optimizer.zero_grad();
            var output = _model.forward(x);
            var parts = _loss.Compute(output, y, _model.Activity(), epoch, _options.Epochs);
            parts.Total.backward();
            total = parts.Total.item<float>();
            if (!double.IsFinite(total)) throw new TrainingDivergedException(epoch, batch, total);
            _optimizer.step();
            task = parts.Task.item<float>();
            for (int i = 0; i < parts.Terms.Count; i++)
                regs[i] = new RegularizerValue(parts.Terms[i].Name, parts.Terms[i].Weight, parts.Terms[i].Value.item<float>());
            using (no_grad())
                correct = output.mean([0]).argmax(1).eq(y).sum().item<long>();
        }
        // TorchSharp leaves some native objects (e.g. the Scalars its optimizers make for lr, momentum, weight decay) to
        // finalizers; freed at random later times they pin holes in the heap, which then grows step after step.
        // Finalizing this step's ones now (a gen-0 collection, about a millisecond) keeps the heap compact.
        GC.Collect(0);
        GC.WaitForPendingFinalizers();
        if (++_steps % TrimEvery == 0) Native.TorchNative.ReleaseFreeMemory();
        return new TrainStepResult(total, task, regs, correct, checked((int)labels.shape[0]));
    }

    /// <summary>
    /// The evaluation every epoch ends with: task loss and accuracy on <paramref name="data"/> in eval mode, every spiking layer's
    /// statistics (the quantization error clipped as the run's RMP-Loss clips, the paper's [0, 1] when there is none) and the
    /// energy estimate from their firing rates.
    /// </summary>
    public Evaluation Measure(IBatchSource data)
    {
        var probe = new ActivityProbe(quantization: _loss.Regularizers.Select(r => r.Regularizer).OfType<RmpLoss>().FirstOrDefault() is { } rmp
            ? QuantizationError.For(rmp) : null);
        var (loss, accuracy, samples) = EvaluateCounting(data, probe);
        var layers = probe.Snapshot();
        return new Evaluation(loss, accuracy, layers, Energy(layers), samples);
    }

    /// <summary>Mean task loss and accuracy on <paramref name="data"/> in eval mode; fills <paramref name="probe"/> when given.</summary>
    public (double Loss, double Accuracy) Evaluate(IBatchSource data, ActivityProbe? probe = null)
    {
        var (loss, accuracy, _) = EvaluateCounting(data, probe);
        return (loss, accuracy);
    }

    (double Loss, double Accuracy, long Samples) EvaluateCounting(IBatchSource data, ActivityProbe? probe)
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
                _timeVaryingInput = x.dim() == 5;
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
        return (sumLoss / Math.Max(1, seen), (double)correct / Math.Max(1, seen), seen);
    }

    /// <summary>The energy estimate for these test-set statistics (the first layer's MACs counted T times when the last evaluated
    /// input was time-varying, <c>[T, B, C, H, W]</c>), or null when the model has no layer graph.</summary>
    public EnergyEstimate? Energy(IReadOnlyList<LayerStatistics> layers)
    {
        if (!_graphRead)
        {
            _graphRead = true;
            try { _graph = _model.Graph(); }
            catch (NotSupportedException) { }
        }
        return _graph is null ? null : SynapticOperations.Estimate(_graph, _model.TimeSteps, layers, staticInput: !_timeVaryingInput);
    }

    /// <inheritdoc />
    public void Dispose() => _optimizer.Dispose();
}
