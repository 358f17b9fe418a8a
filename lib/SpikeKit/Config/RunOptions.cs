using System.Globalization;
using System.Reflection;
using System.Text.Json;

namespace SpikeKit.Config;

/// <summary>
/// One run setting: a field of <see cref="RunConfig"/> with its one name (<c>rmp-lambda</c>: the command-line option
/// <c>--rmp-lambda</c>, the <c>--vary</c> name; JSON specs use <see cref="JsonName"/> <c>rmpLambda</c>, and any spelling that
/// differs only in case, dashes and underscores is accepted), its value placeholder, help line, parser (by the field's type)
/// and default (the field's value in <c>new RunConfig()</c>).
/// </summary>
/// <param name="Name">The option name without dashes.</param>
/// <param name="ValueName">Placeholder of the value in help (empty for on/off settings).</param>
/// <param name="Help">One help line.</param>
/// <param name="Property">The RunConfig property it sets.</param>
public sealed record RunOption(string Name, string ValueName, string Help, PropertyInfo Property)
{
    static readonly RunConfig Defaults = new();
    static readonly MethodInfo CloneMethod = typeof(RunConfig).GetMethod("<Clone>$")!;

    /// <summary>The field's name in JSON (camelCase of the property).</summary>
    public string JsonName => JsonNamingPolicy.CamelCase.ConvertName(Property.Name);

    /// <summary>The field's type without nullability (string, bool, int, long or double).</summary>
    public Type ValueType => Nullable.GetUnderlyingType(Property.PropertyType) ?? Property.PropertyType;

    /// <summary>True for an on/off setting: <c>--flip</c> alone means true.</summary>
    public bool IsFlag => ValueType == typeof(bool);

    /// <summary>True when the field may be null (<c>all</c> or <c>none</c> on the command line).</summary>
    public bool IsNullable => Nullable.GetUnderlyingType(Property.PropertyType) is not null || Property.Name == nameof(RunConfig.DataDir);

    /// <summary>The default value.</summary>
    public object? Default => Property.GetValue(Defaults);

    /// <summary>The value in <paramref name="config"/>.</summary>
    public object? Get(RunConfig config) => Property.GetValue(config);

    /// <summary>Parses the command-line text of a value.</summary>
    /// <exception cref="ConfigException">Naming this option when the text is not a value of its type.</exception>
    public object? Parse(string text)
    {
        if (IsNullable && ValueType != typeof(string) && text is "all" or "none") return null;
        var t = ValueType;
        if (t == typeof(string)) return text;
        if (t == typeof(bool))
            return text.ToLowerInvariant() switch
            {
                "true" or "1" or "yes" or "on" => true,
                "false" or "0" or "no" or "off" => false,
                _ => throw new ConfigException(Name, $"'{text}' is not true or false"),
            };
        if (t == typeof(int))
            return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out int i) ? i : throw new ConfigException(Name, $"'{text}' is not an integer");
        if (t == typeof(long))
            return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long l) ? l : throw new ConfigException(Name, $"'{text}' is not an integer");
        if (t == typeof(double))
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d) && double.IsFinite(d) ? d
                : throw new ConfigException(Name, $"'{text}' is not a number");
        throw new InvalidOperationException($"{Name}: no parser for {t}");
    }

    /// <summary>A copy of <paramref name="config"/> with this field set to <paramref name="value"/> (numbers of another type are
    /// converted when exact).</summary>
    /// <exception cref="ConfigException">When the value does not fit the field's type.</exception>
    public RunConfig Set(RunConfig config, object? value)
    {
        ArgumentNullException.ThrowIfNull(config);
        object? v = value;
        if (v is null)
        {
            if (!IsNullable) throw new ConfigException(Name, "cannot be null");
        }
        else if (v is string s && ValueType != typeof(string)) v = Parse(s);
        else if (v.GetType() != ValueType)
        {
            try { v = Convert.ChangeType(v, ValueType, CultureInfo.InvariantCulture); }
            catch (Exception e) when (e is InvalidCastException or FormatException or OverflowException)
            { throw new ConfigException(Name, $"expected {ValueType.Name}, got {value}"); }
            if (!Equals(Convert.ChangeType(v, value!.GetType(), CultureInfo.InvariantCulture), value))
                throw new ConfigException(Name, $"expected {ValueType.Name}, got {value}");
        }
        var copy = (RunConfig)CloneMethod.Invoke(config, null)!;
        Property.SetValue(copy, v);
        return copy;
    }

    /// <summary>Parses <paramref name="text"/> and sets the field.</summary>
    public RunConfig Apply(RunConfig config, string text) => Set(config, Parse(text));

    /// <summary>A value as the command line writes it (invariant numbers, <c>true</c>/<c>false</c>, <c>all</c> for no limit).</summary>
    public string Format(object? value) => value switch
    {
        null => ValueType == typeof(string) ? "(standard)" : "all",
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>
/// The one table of run settings, shared by the command line (one option per row, help generated from it), JSON sweep specs
/// and <c>--vary</c>. Every public settable property of <see cref="RunConfig"/> has exactly one row (a test checks it).
/// </summary>
public static class RunOptions
{
    static RunOption Row(string name, string value, string property, string help) =>
        new(name, value, help, typeof(RunConfig).GetProperty(property) ?? throw new InvalidOperationException(property));

    /// <summary>Every setting, in help order.</summary>
    public static IReadOnlyList<RunOption> All { get; } =
    [
        Row("dataset", "NAME", nameof(RunConfig.Dataset), "data set: fashion-mnist, mnist, cifar10, cifar100, imagenet, synthetic; events: cifar10-dvs, dvs128-gesture, nmnist, sim-fashion-mnist, sim-mnist (simulated)"),
        Row("data-dir", "DIR", nameof(RunConfig.DataDir), "data folder (default: the data set's standard location, e.g. /usr/share/datasets/fashion-mnist)"),
        Row("model", "NAME", nameof(RunConfig.Model), "model: cnn, resnet18, resnet19, resnet20, resnet34, vgg11, vgg16"),
        Row("width", "X", nameof(RunConfig.Width), "width multiplier on every layer's channels (e.g. 0.25 for a slim CPU ResNet)"),
        Row("timesteps", "T", nameof(RunConfig.TimeSteps), "timesteps T (direct encoding, output averaged over T)"),
        Row("neuron", "KIND", nameof(RunConfig.Neuron), "lif or if"),
        Row("tau", "X", nameof(RunConfig.Tau), "LIF decay factor tau in u = tau*u + x"),
        Row("threshold", "X", nameof(RunConfig.Threshold), "firing threshold V_th"),
        Row("reset", "KIND", nameof(RunConfig.Reset), "hard (to zero) or soft (subtract V_th)"),
        Row("detach-reset", "", nameof(RunConfig.DetachReset), "detach the reset path from the graph"),
        Row("surrogate", "NAME", nameof(RunConfig.Surrogate), "surrogate gradient: tanh, rectangular, triangle, sigmoid, atan"),
        Row("norm", "KIND", nameof(RunConfig.Norm), "tdbn (threshold-dependent BN) or bn"),
        Row("mpbn", "", nameof(RunConfig.Mpbn), "MPBN: batch-normalize the membrane potential before firing (Guo et al., ICCV 2023; op-by-op neurons)"),
        Row("rectifier", "KIND", nameof(RunConfig.Rectifier), "membrane potential rectifier before firing: none or inflor (InfLoR-SNN's MPR; needs --reset soft)"),
        Row("rectifier-sharpness", "K", nameof(RunConfig.RectifierSharpness), "slope k of the InfLoR rectifier's tanh branch (published 3)"),
        Row("rectifier-centre", "C", nameof(RunConfig.RectifierCentre), "centre c in (0,1) of the InfLoR rectifier's tanh branch (published 0.5)"),
        Row("variant", "NAME", nameof(RunConfig.Variant), "loss: baseline, rmp, tet, tet+rmp, im, mpd"),
        Row("rmp-lambda", "X", nameof(RunConfig.RmpLambda), "peak weight lambda of RMP-Loss"),
        Row("lambda-schedule", "S", nameof(RunConfig.LambdaSchedule), "RMP lambda over epochs: constant, linear, linear:W, cosine"),
        Row("rmp-clip", "", nameof(RunConfig.RmpClip), "clip potentials to [0,1] before the RMP distance (--rmp-clip=false: unclipped)"),
        Row("rmp-distance", "D", nameof(RunConfig.RmpDistance), "squared or absolute"),
        Row("rmp-layers", "SEL", nameof(RunConfig.RmpLayers), "regularized layers: all, first:N, last:N or indices like 0,2"),
        Row("rmp-detach-spikes", "", nameof(RunConfig.RmpDetachSpikes), "spikes are a constant target of RMP-Loss (false: gradient also through the spikes)"),
        Row("tet-lambda", "X", nameof(RunConfig.TetLambda), "weight of TET's MSE term"),
        Row("im-lambda", "X", nameof(RunConfig.ImLambda), "weight of IM-Loss"),
        Row("mpd-lambda", "X", nameof(RunConfig.MpdLambda), "weight of MPD-Loss"),
        Row("optimizer", "NAME", nameof(RunConfig.Optimizer), "sgd (momentum) or adamw"),
        Row("epochs", "N", nameof(RunConfig.Epochs), "training epochs (cosine learning-rate schedule over them)"),
        Row("batch-size", "N", nameof(RunConfig.BatchSize), "mini-batch size"),
        Row("lr", "X", nameof(RunConfig.Lr), "peak learning rate"),
        Row("momentum", "X", nameof(RunConfig.Momentum), "SGD momentum"),
        Row("weight-decay", "X", nameof(RunConfig.WeightDecay), "weight decay (not applied to norm weights and biases)"),
        Row("warmup", "N", nameof(RunConfig.Warmup), "linear learning-rate warm-up epochs"),
        Row("crop-padding", "P", nameof(RunConfig.CropPadding), "random crop with P pixels of zero padding (0 = off)"),
        Row("flip", "", nameof(RunConfig.Flip), "random horizontal flip"),
        Row("frames", "MODE", nameof(RunConfig.Frames), "event data: events to T frames by number, time, or duration:US (microseconds per frame)"),
        Row("frame-size", "N", nameof(RunConfig.FrameSize), "event data: resize frames to NxN (bilinear; e.g. 48 for CIFAR10-DVS), 0 = the sensor's size"),
        Row("event-split", "RULE", nameof(RunConfig.EventSplit), "CIFAR10-DVS train/test split: 9:1 (first 90% per class in file-name order) or tebn (samples 0-99 per class test)"),
        Row("roll", "N", nameof(RunConfig.Roll), "event data: random roll (shift with wrap-around) by up to N pixels per axis (0 = off)"),
        Row("seed", "S", nameof(RunConfig.Seed), "seed of initialization, data order, subset and augmentation"),
        Row("train-limit", "N", nameof(RunConfig.TrainLimit), "use only N training samples (all = every one)"),
        Row("test-limit", "N", nameof(RunConfig.TestLimit), "use only N test samples (all = every one)"),
        Row("threads", "N", nameof(RunConfig.Threads), "intra-op threads, 0 = all cores, at most the logical cores of the machine; recorded with the results, not part of the run id"),
        Row("device", "D", nameof(RunConfig.Device), "cpu, cuda or auto; recorded with the results, not part of the run id"),
    ];

    static string Normalize(string name) => name.TrimStart('-').Replace("-", "").Replace("_", "").ToLowerInvariant();

    /// <summary>The setting called <paramref name="name"/> in any spelling (<c>--rmp-lambda</c>, <c>rmp-lambda</c>,
    /// <c>rmpLambda</c>, <c>RmpLambda</c>); null when there is none.</summary>
    public static RunOption? Find(string name) => All.FirstOrDefault(o => Normalize(o.Name) == Normalize(name) || Normalize(o.JsonName) == Normalize(name));

    /// <summary>The setting called <paramref name="name"/>.</summary>
    /// <exception cref="ConfigException">For an unknown name (listing the known ones).</exception>
    public static RunOption Get(string name) =>
        Find(name) ?? throw new ConfigException(name.TrimStart('-'), $"unknown setting (settings: {string.Join(", ", All.Select(o => o.Name))})");

    /// <summary>A copy of <paramref name="config"/> with one setting changed by name, for F# and scripts
    /// (<c>config |> RunOptions.With "rmp-lambda" 0.3</c> reads as C#'s <c>config with { RmpLambda = 0.3 }</c>); a string value
    /// is parsed as on the command line.</summary>
    public static RunConfig With(this RunConfig config, string name, object? value) => Get(name).Set(config, value);
}
