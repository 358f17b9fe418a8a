using SpikeKit.Losses;
using SpikeKit.Models;
using SpikeKit.Neurons;
using SpikeKit.Surrogates;
using SpikeKit.Training;

namespace SpikeKit.Config;

/// <summary>
/// Everything that defines one training run, as plain values (JSON- and command-line-friendly). Neuron, loss and optimizer
/// defaults are the RMP-Loss group's published settings: LIF τ = 0.25, V_th = 0.5, hard reset, tanh surrogate, tdBN, SGD 0.9 / lr 0.1 /
/// wd 1e-4, cosine. Data defaults: Fashion-MNIST, the small CNN, T = 4.
/// </summary>
public sealed record RunConfig
{
    /// <summary>Data set name (fashion-mnist, mnist, cifar10, cifar100, imagenet, synthetic).</summary>
    public string Dataset { get; init; } = "fashion-mnist";
    /// <summary>Data folder; null = the data set's default location.</summary>
    public string? DataDir { get; init; }
    /// <summary>Model name (cnn, resnet18, resnet19, resnet20, resnet34, vgg11, vgg16).</summary>
    public string Model { get; init; } = "cnn";
    /// <summary>Width multiplier on channel counts.</summary>
    public double Width { get; init; } = 1.0;
    /// <summary>Timesteps T.</summary>
    public int TimeSteps { get; init; } = 4;
    /// <summary>lif or if.</summary>
    public string Neuron { get; init; } = "lif";
    /// <summary>Decay τ.</summary>
    public double Tau { get; init; } = 0.25;
    /// <summary>Threshold V_th.</summary>
    public double Threshold { get; init; } = 0.5;
    /// <summary>hard or soft.</summary>
    public string Reset { get; init; } = "hard";
    /// <summary>Detach the reset path from the graph.</summary>
    public bool DetachReset { get; init; }
    /// <summary>Surrogate name (tanh, rectangular, triangle, sigmoid, atan).</summary>
    public string Surrogate { get; init; } = "tanh";
    /// <summary>tdbn or bn.</summary>
    public string Norm { get; init; } = "tdbn";
    /// <summary>MPBN (Guo et al., ICCV 2023): a second BN on the membrane potential before firing in every spiking layer
    /// (<see cref="MpbnNeuron"/>; foldable into per-channel thresholds for inference).</summary>
    public bool Mpbn { get; init; }
    /// <summary>Membrane potential rectifier before firing: none, or inflor (InfLoR-SNN's MPR, <see cref="InflorRectifier"/>;
    /// requires <see cref="Reset"/> soft, as InfLoR-SNN pairs the two).</summary>
    public string Rectifier { get; init; } = "none";
    /// <summary>Sharpness k of the InfLoR rectifier's tanh branch (published: 3).</summary>
    public double RectifierSharpness { get; init; } = 3.0;
    /// <summary>Centre c of the InfLoR rectifier's tanh branch, in (0, 1) (published: 0.5).</summary>
    public double RectifierCentre { get; init; } = 0.5;
    /// <summary>Loss variant (see <see cref="Variants"/>).</summary>
    public string Variant { get; init; } = "baseline";
    /// <summary>Peak λ of RMP-Loss.</summary>
    public double RmpLambda { get; init; } = 0.5;
    /// <summary>λ schedule for RMP-Loss: constant, linear, linear:W, cosine.</summary>
    public string LambdaSchedule { get; init; } = "constant";
    /// <summary>Clip potentials to [0, 1] in RMP-Loss.</summary>
    public bool RmpClip { get; init; } = true;
    /// <summary>squared or absolute.</summary>
    public string RmpDistance { get; init; } = "squared";
    /// <summary>Regularized layers: all, first:N, last:N or indices.</summary>
    public string RmpLayers { get; init; } = "all";
    /// <summary>Treat spikes as a constant target in RMP-Loss.</summary>
    public bool RmpDetachSpikes { get; init; } = true;
    /// <summary>λ of TET's MSE term.</summary>
    public double TetLambda { get; init; } = 0.05;
    /// <summary>λ of IM-Loss (group's code: 0.005).</summary>
    public double ImLambda { get; init; } = 0.005;
    /// <summary>λ of MPD-Loss.</summary>
    public double MpdLambda { get; init; } = 0.1;
    /// <summary>sgd or adamw.</summary>
    public string Optimizer { get; init; } = "sgd";
    /// <summary>Epochs.</summary>
    public int Epochs { get; init; } = 100;
    /// <summary>Batch size.</summary>
    public int BatchSize { get; init; } = 128;
    /// <summary>Peak learning rate.</summary>
    public double Lr { get; init; } = 0.1;
    /// <summary>SGD momentum.</summary>
    public double Momentum { get; init; } = 0.9;
    /// <summary>Weight decay (not on norms and biases).</summary>
    public double WeightDecay { get; init; } = 1e-4;
    /// <summary>Learning-rate warm-up epochs.</summary>
    public int Warmup { get; init; }
    /// <summary>Random-crop padding (0 = off).</summary>
    public int CropPadding { get; init; }
    /// <summary>Random horizontal flip.</summary>
    public bool Flip { get; init; }
    /// <summary>Event data sets: how events become the T frames: number (SpikingJelly's split_by='number'), time, or
    /// duration:US (<see cref="Data.Events.Framing"/>).</summary>
    public string Frames { get; init; } = "number";
    /// <summary>Event data sets: side of the frames after a bilinear resize (the paper's CIFAR10-DVS: 48); 0 = the sensor's size.</summary>
    public int FrameSize { get; init; }
    /// <summary>CIFAR10-DVS's train/test split: 9:1 (per class, first 90 % in file-name order) or tebn (samples 0-99 of each class test).</summary>
    public string EventSplit { get; init; } = "9:1";
    /// <summary>Event data sets: random roll (translation with wrap-around) by up to this many pixels per axis (0 = off; the group's CIFAR10-DVS code: 5).</summary>
    public int Roll { get; init; }
    /// <summary>Seed of initialization, data order and augmentation.</summary>
    public long Seed { get; init; }
    /// <summary>Use at most this many training samples (null = all).</summary>
    public int? TrainLimit { get; init; }
    /// <summary>Use at most this many test samples (null = all).</summary>
    public int? TestLimit { get; init; }
    /// <summary>Intra-op threads (0 = TorchSharp's default, all cores).</summary>
    public int Threads { get; init; }
    /// <summary>cpu (CUDA needs the TorchSharp CUDA build).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Known loss variants, baseline first: <c>baseline</c> (CE on the mean output), <c>rmp</c> (CE + λ·RMP-Loss),
    /// <c>tet</c> (TET loss), <c>tet+rmp</c>, <c>im</c> (CE + λ·IM-Loss), <c>mpd</c> (CE + λ·MPD-Loss).</summary>
    public static IReadOnlyList<string> Variants { get; } = ["baseline", "rmp", "tet", "tet+rmp", "im", "mpd"];

    /// <summary>Checks every field; throws <see cref="ConfigException"/> naming the first bad one (by its option name).</summary>
    public RunConfig Validate()
    {
        static string Known(IEnumerable<string> names) => string.Join(", ", names);
        bool events = Data.Events.EventDatasets.Names.Contains(Dataset);
        if (!Data.Datasets.Names.Contains(Dataset) && !events)
            throw new ConfigException("dataset", $"unknown '{Dataset}' (known: {Known(Data.Datasets.Names.Concat(Data.Events.EventDatasets.Names))})");
        if (!ModelZoo.Names.Contains(Model)) throw new ConfigException("model", $"unknown '{Model}' (known: {Known(ModelZoo.Names)})");
        if (!Variants.Contains(Variant)) throw new ConfigException("variant", $"unknown '{Variant}' (known: {Known(Variants)})");
        if (Neuron is not ("lif" or "if")) throw new ConfigException("neuron", $"unknown '{Neuron}' (use lif or if)");
        if (Reset is not ("hard" or "soft")) throw new ConfigException("reset", $"unknown '{Reset}' (use hard or soft)");
        if (Norm is not ("tdbn" or "bn")) throw new ConfigException("norm", $"unknown '{Norm}' (use tdbn or bn)");
        if (Rectifier is not ("none" or "inflor")) throw new ConfigException("rectifier", $"unknown '{Rectifier}' (use none or inflor)");
        if (Rectifier == "inflor" && Reset != "soft") throw new ConfigException("rectifier", "inflor (InfLoR-SNN) uses soft reset; set reset to soft");
        if (!(RectifierSharpness > 0) || !double.IsFinite(RectifierSharpness)) throw new ConfigException("rectifier-sharpness", $"must be a finite number > 0, got {RectifierSharpness}");
        if (!(RectifierCentre > 0 && RectifierCentre < 1)) throw new ConfigException("rectifier-centre", $"must be in (0, 1), got {RectifierCentre}");
        if (!Surrogates.Surrogate.Names.Contains(Surrogate)) throw new ConfigException("surrogate", $"unknown '{Surrogate}' (known: {Known(Surrogates.Surrogate.Names)})");
        if (Optimizer is not ("sgd" or "adamw")) throw new ConfigException("optimizer", $"unknown '{Optimizer}' (use sgd or adamw)");
        if (Device is not ("cpu" or "cuda" or "auto")) throw new ConfigException("device", $"unknown '{Device}' (use cpu, cuda or auto)");
        if (RmpDistance is not ("squared" or "absolute")) throw new ConfigException("rmp-distance", $"unknown '{RmpDistance}' (use squared or absolute)");
        if (TimeSteps < 1) throw new ConfigException("timesteps", $"must be >= 1, got {TimeSteps}");
        if (!(Width > 0)) throw new ConfigException("width", $"must be > 0, got {Width}");
        if (!(Tau > 0 && Tau <= 1)) throw new ConfigException("tau", $"must be in (0, 1], got {Tau}");
        if (!(Threshold > 0)) throw new ConfigException("threshold", $"must be > 0, got {Threshold}");
        if (RmpLambda < 0 || !double.IsFinite(RmpLambda)) throw new ConfigException("rmp-lambda", $"must be a finite number >= 0, got {RmpLambda}");
        if (TrainLimit is < 1) throw new ConfigException("train-limit", $"must be >= 1, got {TrainLimit}");
        if (TestLimit is < 1) throw new ConfigException("test-limit", $"must be >= 1, got {TestLimit}");
        if (Threads < 0) throw new ConfigException("threads", $"must be >= 0, got {Threads}");
        try { _ = Data.Events.Framing.Parse(Frames); }
        catch (ArgumentException e) { throw new ConfigException("frames", e.Message["frames: ".Length..]); }
        if (FrameSize < 0 || FrameSize is > 0 and < 4) throw new ConfigException("frame-size", $"must be 0 (the sensor's size) or >= 4, got {FrameSize}");
        if (!Data.Events.EventSplits.Names.Contains(EventSplit)) throw new ConfigException("event-split", $"unknown '{EventSplit}' (known: {Known(Data.Events.EventSplits.Names)})");
        if (Roll < 0) throw new ConfigException("roll", $"must be >= 0, got {Roll}");
        if (Roll > 0 && !events) throw new ConfigException("roll", $"applies to event data sets ({Known(Data.Events.EventDatasets.Names)}); use crop-padding for {Dataset}");
        if (CropPadding > 0 && events) throw new ConfigException("crop-padding", $"{Dataset} is event data; use roll (and flip) instead");
        if (CropPadding > 0 && Data.Datasets.IsStreamed(Dataset))
            throw new ConfigException("crop-padding", $"{Dataset} uses RandomResizedCrop 224 (and flip); set crop-padding to 0");
        try
        {
            _ = ToTrainingOptions();
            _ = Schedule(RmpLambda);
            if (Dataset == "synthetic") Data.SyntheticDataset.CheckSize(TrainLimit ?? Data.Datasets.SyntheticTrainCount, TestLimit ?? Data.Datasets.SyntheticTestCount);
        }
        catch (ArgumentException e) { var parts = e.Message.Split(':', 2); throw new ConfigException(parts.Length == 2 ? parts[0] : "config", parts[^1].Trim()); }
        return this;
    }

    /// <summary>The neuron settings.</summary>
    public NeuronOptions ToNeuronOptions() => new(Tau, Threshold, Reset == "soft" ? ResetMode.Soft : ResetMode.Hard, DetachReset, Surrogates.Surrogate.FromName(Surrogate),
        Rectifier: Rectifier == "inflor" ? new InflorRectifier(RectifierSharpness, RectifierCentre) : null);

    /// <summary>The model settings for a data set with the given geometry.</summary>
    public ModelOptions ToModelOptions(int channels, int size, int classes) =>
        new(TimeSteps, ToNeuronOptions(), Neuron == "if" ? NeuronKind.If : NeuronKind.Lif, Norm == "bn" ? NormKind.BN : NormKind.TdBN, channels, size, classes, Width, Mpbn);

    /// <summary>The optimizer and schedule settings.</summary>
    public TrainingOptions ToTrainingOptions() =>
        new TrainingOptions(Epochs, BatchSize, Lr, Optimizer == "adamw" ? OptimizerKind.AdamW : OptimizerKind.Sgd,
            Momentum, WeightDecay, Warmup, Seed, CropPadding, Flip).Validate();

    /// <summary>The RMP-Loss regularizer of this config (clip, distance, layers, detached spikes).</summary>
    public RmpLoss ToRmpLoss() => new(Clip: RmpClip, Distance: RmpDistance == "absolute" ? DistanceKind.Absolute : DistanceKind.Squared,
        Layers: new LayerSelection(RmpLayers), DetachSpikes: RmpDetachSpikes);

    /// <summary>
    /// The loss of <see cref="Variant"/>: the task loss (cross-entropy on the mean output, or TET) plus each regularizer with its
    /// λ schedule, <c>L = L_task + Σ_i λ_i(epoch)·R_i</c>. Each regularizer carries its own λ into the metrics (its name and
    /// weight), so nothing downstream needs to know which variant named it.
    /// </summary>
    public CompositeLoss ToLoss()
    {
        ITaskLoss task = Variant is "tet" or "tet+rmp" ? new TetLoss(TetLambda) : new MeanOutputCrossEntropy();
        var loss = new CompositeLoss(task, []);
        return Variant switch
        {
            "rmp" or "tet+rmp" => loss.With(ToRmpLoss(), Schedule(RmpLambda)),
            "im" => loss.With(new ImLoss(), new ConstantLambda(ImLambda)),
            "mpd" => loss.With(new MpdLoss(), new ConstantLambda(MpdLambda)),
            _ => loss,
        };
    }

    LambdaSchedule Schedule(double peak) => Losses.LambdaSchedule.Parse(LambdaSchedule, peak);

    /// <summary>
    /// The identity of what this run computes: the first 8 hex digits of <see cref="ContentHash()"/> name run folders and key
    /// checkpoints. It is the SHA-256 (lower-case hex) of canonical JSON (keys sorted) of the fields whose values differ from
    /// <c>new RunConfig()</c>, without <see cref="Threads"/> and <see cref="Device"/>, which change how fast a run goes, not
    /// what it computes. Equal configs give equal hashes on any machine, and adding a field with a default later changes no
    /// existing hash.
    /// </summary>
    public string ContentHash() => Hash(Canonical(Node(this), DefaultsNode, omitDefaults: true));

    /// <summary>The hash that SpikeKit 0.1 (before run ids left defaults out) gave this config: every field but threads and
    /// device. Used only to recognize result folders and checkpoints written then (<c>spikekit migrate</c>).</summary>
    public string LegacyContentHash() => Hash(Canonical(Node(this), DefaultsNode, omitDefaults: false));

    /// <summary><see cref="ContentHash()"/> of a config's JSON fields given the JSON of the defaults (what a config with fields that
    /// do not exist yet would hash to; tests use it).</summary>
    internal static string ContentHash(System.Text.Json.Nodes.JsonObject config, System.Text.Json.Nodes.JsonObject defaults) =>
        Hash(Canonical(config, defaults, omitDefaults: true));

    /// <summary>The JSON of <c>new RunConfig()</c> (only read, never changed).</summary>
    static readonly System.Text.Json.Nodes.JsonObject DefaultsNode = Node(new RunConfig());

    static System.Text.Json.Nodes.JsonObject Node(RunConfig config) =>
        System.Text.Json.JsonSerializer.SerializeToNode(config, JsonSettings.Options)!.AsObject();

    static string Hash(string canonical) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(canonical)));

    static string Canonical(System.Text.Json.Nodes.JsonObject node, System.Text.Json.Nodes.JsonObject defaults, bool omitDefaults)
    {
        var kept = node.Where(kv => kv.Key is not ("threads" or "device"))
            .Where(kv => !omitDefaults || !System.Text.Json.Nodes.JsonNode.DeepEquals(kv.Value, defaults[kv.Key]))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(kv => KeyValuePair.Create(kv.Key, kv.Value?.DeepClone()));
        return new System.Text.Json.Nodes.JsonObject(kept).ToJsonString();
    }
}
