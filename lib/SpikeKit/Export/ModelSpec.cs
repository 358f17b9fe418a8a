using System.Text.Json;
using SpikeKit.Config;
using SpikeKit.Models;
using SpikeKit.Neurons;
using SpikeKit.Surrogates;

namespace SpikeKit.Export;

/// <summary>
/// A surrogate by name and parameters, as the PyTorch twin builds it (<c>spikekit_torch.SURROGATES[name](**parameters)</c>):
/// <c>tanh</c> (sharpness k, width w), <c>rectangular</c> (a), <c>triangle</c> (gamma), <c>sigmoid</c> (alpha), <c>atan</c> (alpha).
/// The gradient mode (<see cref="SurrogateMode"/>) is not part of it: both modes give the same gradient.
/// </summary>
/// <param name="Name">One of <see cref="Surrogate.Names"/>.</param>
/// <param name="Parameters">The surrogate's parameters by their Python names.</param>
public sealed record SurrogateSpec(string Name, IReadOnlyDictionary<string, double> Parameters)
{
    /// <summary>The spec of <paramref name="surrogate"/>.</summary>
    /// <exception cref="NotSupportedException">For a surrogate other than the kit's five (it has no PyTorch twin).</exception>
    public static SurrogateSpec From(Surrogate surrogate) => surrogate switch
    {
        TanhSurrogate t => new("tanh", new Dictionary<string, double> { ["sharpness"] = t.Sharpness, ["width"] = t.Width }),
        RectangularSurrogate r => new("rectangular", new Dictionary<string, double> { ["a"] = r.A }),
        TriangleSurrogate t => new("triangle", new Dictionary<string, double> { ["gamma"] = t.Gamma }),
        SigmoidSurrogate s => new("sigmoid", new Dictionary<string, double> { ["alpha"] = s.Alpha }),
        AtanSurrogate a => new("atan", new Dictionary<string, double> { ["alpha"] = a.Alpha }),
        _ => throw new NotSupportedException($"surrogate {surrogate.GetType().Name} has no PyTorch twin (known: {string.Join(", ", Surrogate.Names)})"),
    };

    /// <summary>The surrogate (default gradient mode); a parameter left out takes its default.</summary>
    /// <exception cref="ArgumentException">For an unknown name or parameter.</exception>
    public Surrogate ToSurrogate()
    {
        var p = Parameters ?? new Dictionary<string, double>();
        string[] known = Name switch
        {
            "tanh" => ["sharpness", "width"],
            "rectangular" => ["a"],
            "triangle" => ["gamma"],
            "sigmoid" or "atan" => ["alpha"],
            _ => throw new ArgumentException($"unknown surrogate '{Name}' (known: {string.Join(", ", Surrogate.Names)})"),
        };
        if (p.Keys.FirstOrDefault(k => !known.Contains(k)) is { } bad)
            throw new ArgumentException($"surrogate {Name}: unknown parameter '{bad}' (known: {string.Join(", ", known)})");
        double Get(string key, double fallback) => p.TryGetValue(key, out var v) ? v : fallback;
        return Name switch
        {
            "tanh" => new TanhSurrogate(Get("sharpness", 3.0), Get("width", 1.0)),
            "rectangular" => new RectangularSurrogate(Get("a", 1.0)),
            "triangle" => new TriangleSurrogate(Get("gamma", 1.0)),
            "sigmoid" => new SigmoidSurrogate(Get("alpha", 4.0)),
            _ => new AtanSurrogate(Get("alpha", 2.0)),
        };
    }
}

/// <summary>InfLoR-SNN's rectifier φ in a spec (see <see cref="InflorRectifier"/>).</summary>
/// <param name="Sharpness">k.</param>
/// <param name="Centre">c.</param>
public sealed record RectifierSpec(double Sharpness, double Centre);

/// <summary>
/// What the PyTorch twin (<c>spikekit_torch.build(spec)</c>) needs to rebuild a zoo model: its name and the
/// <see cref="ModelOptions"/> that shape or compute it. Written as JSON (<see cref="JsonSettings"/>, camelCase) beside an
/// exported state dict, at <c>PATH.json</c> (<see cref="PyTorchExport.SpecPath"/>). Options that change only how SpikeKit
/// computes the same values (fused kernel, recomputation, surrogate gradient mode) are left out.
/// </summary>
/// <param name="Model">A <see cref="ModelZoo"/> name.</param>
/// <param name="TimeSteps">T.</param>
/// <param name="Neuron"><c>lif</c> or <c>if</c> (τ = 1 whatever <paramref name="Tau"/> says).</param>
/// <param name="Tau">τ of <c>u_pre[t] = τ·u[t−1] + x[t]</c>.</param>
/// <param name="Threshold">V_th.</param>
/// <param name="Reset"><c>hard</c> (<c>u = u_pre·(1 − o)</c>) or <c>soft</c> (<c>u = u_pre − V_th·o</c>).</param>
/// <param name="DetachReset">No gradient through the reset.</param>
/// <param name="Surrogate">The surrogate gradient.</param>
/// <param name="Norm"><c>tdbn</c> (scale α·V_th = V_th) or <c>bn</c> (scale 1).</param>
/// <param name="Mpbn">MPBN neurons (a BatchNorm1d <c>bn</c> on the membrane potential in every spiking layer).</param>
/// <param name="Rectifier">InfLoR-SNN's rectifier, or null.</param>
/// <param name="InputChannels">Channels of the input image.</param>
/// <param name="InputSize">Height = width of the input image.</param>
/// <param name="Classes">K.</param>
/// <param name="Width">Channel width multiplier.</param>
public sealed record ModelSpec(
    string Model,
    int TimeSteps,
    string Neuron,
    double Tau,
    double Threshold,
    string Reset,
    bool DetachReset,
    SurrogateSpec Surrogate,
    string Norm,
    bool Mpbn,
    RectifierSpec? Rectifier,
    int InputChannels,
    int InputSize,
    int Classes,
    double Width)
{
    /// <summary>The format tag this version writes and reads.</summary>
    public const string CurrentFormat = "spikekit-torch/1";

    /// <summary>The format tag (<see cref="CurrentFormat"/>).</summary>
    public string Format { get; init; } = CurrentFormat;

    /// <summary>The spec of zoo model <paramref name="model"/> built with <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">For an unknown model name.</exception>
    /// <exception cref="NotSupportedException">For a surrogate without a PyTorch twin.</exception>
    public static ModelSpec From(string model, ModelOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var name = model.ToLowerInvariant();
        if (!ModelZoo.Names.Contains(name))
            throw new ArgumentException($"model: unknown '{model}' (known: {string.Join(", ", ModelZoo.Names)})");
        var n = options.NeuronOrDefault;
        return new ModelSpec(name, options.TimeSteps, options.NeuronKind == NeuronKind.If ? "if" : "lif", n.Tau, n.Threshold,
            n.Reset == ResetMode.Soft ? "soft" : "hard", n.DetachReset, SurrogateSpec.From(n.SurrogateOrDefault),
            options.Norm == NormKind.BN ? "bn" : "tdbn", options.Mpbn,
            n.Rectifier is { } r ? new RectifierSpec(r.Sharpness, r.Centre) : null,
            options.InputChannels, options.InputSize, options.Classes, options.Width);
    }

    /// <summary>The model options this spec describes (validated).</summary>
    /// <exception cref="ArgumentException">Naming the field when a value is unknown or out of range.</exception>
    public ModelOptions ToModelOptions()
    {
        if (Format != CurrentFormat) throw new ArgumentException($"format: '{Format}' is not '{CurrentFormat}'");
        if (Model is null || !ModelZoo.Names.Contains(Model)) throw new ArgumentException($"model: unknown '{Model}' (known: {string.Join(", ", ModelZoo.Names)})");
        if (Neuron is not ("lif" or "if")) throw new ArgumentException($"neuron: unknown '{Neuron}' (use lif or if)");
        if (Reset is not ("hard" or "soft")) throw new ArgumentException($"reset: unknown '{Reset}' (use hard or soft)");
        if (Norm is not ("tdbn" or "bn")) throw new ArgumentException($"norm: unknown '{Norm}' (use tdbn or bn)");
        if (Surrogate is null) throw new ArgumentException("surrogate: missing");
        var neuron = new NeuronOptions(Tau, Threshold, Reset == "soft" ? ResetMode.Soft : ResetMode.Hard, DetachReset, Surrogate.ToSurrogate(),
            Rectifier: Rectifier is { } r ? new InflorRectifier(r.Sharpness, r.Centre) : null);
        return new ModelOptions(TimeSteps, neuron, Neuron == "if" ? NeuronKind.If : NeuronKind.Lif, Norm == "bn" ? NormKind.BN : NormKind.TdBN,
            InputChannels, InputSize, Classes, Width, Mpbn).Validate();
    }

    /// <summary>The JSON text of the spec.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, JsonSettings.Options);

    /// <summary>Parses and validates a spec; errors are one line starting with <paramref name="source"/>.</summary>
    /// <exception cref="InvalidDataException">"SOURCE: ..." when the text is not a valid spec.</exception>
    public static ModelSpec Parse(string json, string source)
    {
        ModelSpec? spec;
        try { spec = JsonSerializer.Deserialize<ModelSpec>(json, JsonSettings.Options); }
        catch (JsonException e) { throw new InvalidDataException($"{source}: not a valid model spec ({e.Message.Split('\n')[0]})"); }
        if (spec is null) throw new InvalidDataException($"{source}: empty model spec");
        try { spec.ToModelOptions(); }
        catch (ArgumentException e) { throw new InvalidDataException($"{source}: {e.Message.Split('\n')[0]}"); }
        return spec;
    }

    /// <summary>Reads the spec file at <paramref name="path"/> (see <see cref="Parse"/>).</summary>
    public static ModelSpec Read(string path) => Parse(File.ReadAllText(path), path);
}
