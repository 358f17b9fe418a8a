using SpikeKit.Layers;
using SpikeKit.Models;
using SpikeKit.Neurons;
using SpikeKit.Runs;
using TorchSharp;
using TorchSharp.PyBridge;
using static TorchSharp.torch;

namespace SpikeKit.Export;

/// <summary>The file format of an exported state dict.</summary>
public enum ExportFormat
{
    /// <summary>PyTorch's <c>torch.save</c> format (a zip of pickled tensors), read by <c>torch.load</c>.</summary>
    Pt,
    /// <summary>safetensors (8-byte little-endian header length, JSON header, raw little-endian tensor data).</summary>
    Safetensors,
}

/// <summary>The files one export wrote.</summary>
/// <param name="Weights">The state dict.</param>
/// <param name="Spec">The spec sidecar (<c>Weights + ".json"</c>, <see cref="ModelSpec"/>).</param>
/// <param name="Twin">The PyTorch twin module <c>spikekit_torch.py</c> in the same folder.</param>
public sealed record ExportedFiles(string Weights, string Spec, string Twin);

/// <summary>
/// Exports a zoo model to PyTorch: its state dict (same keys as <c>model.state_dict()</c>: parameters and buffers, e.g.
/// <c>conv1.weight</c>, <c>norm1.norm.running_var</c>, <c>classifier.inner.1.bias</c>) as <c>.pt</c> or <c>.safetensors</c>
/// through TorchSharp.PyBridge, the spec sidecar <c>PATH.json</c>, and the PyTorch twin <c>spikekit_torch.py</c>
/// (embedded in SpikeKit.dll), with which <c>spikekit_torch.load(PATH)</c> returns the model in eval mode giving SpikeKit's
/// eval logits. Every file is written atomically (<see cref="AtomicFile"/>).
/// </summary>
public static class PyTorchExport
{
    /// <summary>The file name of the PyTorch twin written beside an export.</summary>
    public const string TwinFileName = "spikekit_torch.py";

    const string TwinResource = "SpikeKit.Export.spikekit_torch.py";
    static string? _twin;

    /// <summary>The source text of the PyTorch twin.</summary>
    public static string TwinSource
    {
        get
        {
            if (_twin is not null) return _twin;
            using var s = typeof(PyTorchExport).Assembly.GetManifestResourceStream(TwinResource)
                ?? throw new InvalidOperationException($"resource {TwinResource} is missing from SpikeKit.dll");
            using var r = new StreamReader(s);
            return _twin = r.ReadToEnd();
        }
    }

    /// <summary>The spec sidecar of an exported state dict at <paramref name="path"/>: <c>path + ".json"</c>.</summary>
    public static string SpecPath(string path) => path + ".json";

    /// <summary>The format of <paramref name="path"/> by its extension: <c>.pt</c>, <c>.pth</c>, <c>.bin</c> → <see cref="ExportFormat.Pt"/>,
    /// <c>.safetensors</c> → <see cref="ExportFormat.Safetensors"/>.</summary>
    /// <exception cref="ArgumentException">"PATH: unknown export format ..." for another extension.</exception>
    public static ExportFormat FormatOf(string path) => Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".pt" or ".pth" or ".bin" => ExportFormat.Pt,
        ".safetensors" => ExportFormat.Safetensors,
        _ => throw new ArgumentException($"{path}: unknown export format '{Path.GetExtension(path)}' (use .pt or .safetensors)"),
    };

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> in the format its extension names (<see cref="FormatOf"/>).</summary>
    public static ExportedFiles Write(SpikingNetwork model, ModelSpec spec, string path) => Write(model, spec, path, FormatOf(path));

    /// <summary>
    /// Writes the state dict of <paramref name="model"/> to <paramref name="path"/> in <paramref name="format"/>, the spec
    /// to <see cref="SpecPath"/>(<paramref name="path"/>) and <see cref="TwinFileName"/> to the same folder (created if
    /// missing). The spec must describe the model: the model that <see cref="ModelZoo.Create"/> builds from it has the same
    /// name, T, modules, state-dict keys and shapes, neuron settings and norm scales.
    /// </summary>
    /// <exception cref="ArgumentException">"PATH: the spec does not describe the model (...)", one line.</exception>
    /// <exception cref="IOException">Naming the file that could not be written.</exception>
    public static ExportedFiles Write(SpikingNetwork model, ModelSpec spec, string path, ExportFormat format)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(spec);
        var full = Path.GetFullPath(path);
        if (Mismatch(model, spec) is { } why) throw new ArgumentException($"{full}: the spec does not describe the model ({why})");
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        using (var scope = NewDisposeScope())
        {
            // CPU copies (a no-op for CPU tensors), so a model trained on a GPU exports the same file.
            var state = new Dictionary<string, Tensor>();
            foreach (var (key, t) in model.state_dict()) state[key] = t.detach().cpu();
            AtomicFile.Write(full, s =>
            {
                if (format == ExportFormat.Safetensors) Safetensors.SaveStateDict(s, state, leaveOpen: true);
                else PyTorchPickler.PickleStateDict(s, state, leaveOpen: true);
            });
        }
        var specPath = SpecPath(full);
        AtomicFile.WriteText(specPath, spec.ToJson() + "\n");
        var twin = Path.Combine(folder, TwinFileName);
        AtomicFile.WriteText(twin, TwinSource);
        return new ExportedFiles(full, specPath, twin);
    }

    /// <summary>Why <paramref name="spec"/> does not describe <paramref name="model"/>, or null when it does.</summary>
    static string? Mismatch(SpikingNetwork model, ModelSpec spec)
    {
        ModelOptions options;
        try { options = spec.ToModelOptions(); }
        catch (ArgumentException e) { return e.Message.Split('\n')[0]; }
        if (model.GetName() != spec.Model) return $"model '{model.GetName()}', spec '{spec.Model}'";
        if (model.TimeSteps != spec.TimeSteps) return $"timesteps {model.TimeSteps}, spec {spec.TimeSteps}";
        using var scope = NewDisposeScope();
        using var reference = ModelZoo.Create(spec.Model, options);
        var mine = model.state_dict();
        var theirs = reference.state_dict();
        foreach (var (key, t) in mine)
        {
            if (!theirs.TryGetValue(key, out var r)) return $"key {key} is not in the spec's model";
            if (!t.shape.SequenceEqual(r.shape)) return $"{key} has shape [{string.Join(", ", t.shape)}], the spec's model [{string.Join(", ", r.shape)}]";
        }
        if (theirs.Keys.FirstOrDefault(k => !mine.ContainsKey(k)) is { } missing) return $"the model lacks {missing}";
        var modules = reference.named_modules().ToDictionary(m => m.name, m => m.module);
        foreach (var (name, m) in model.named_modules())
        {
            if (!modules.TryGetValue(name, out var r)) return $"module {name} is not in the spec's model";
            if (m.GetType() != r.GetType()) return $"{name} is a {m.GetType().Name}, the spec's a {r.GetType().Name}";
            if (m is ThresholdDependentBatchNorm bn && r is ThresholdDependentBatchNorm rbn && (bn.Scale != rbn.Scale || bn.Eps != rbn.Eps || bn.Momentum != rbn.Momentum))
                return $"{name}: norm scale {bn.Scale}, spec {rbn.Scale}";
            if (m is SpikingNeuron n && r is SpikingNeuron rn && NeuronMismatch(n, rn) is { } what) return $"{name}: {what}";
        }
        return null;
    }

    static string? NeuronMismatch(SpikingNeuron n, SpikingNeuron r)
    {
        NeuronOptions a = n.Options, b = r.Options;
        if (a.Tau != b.Tau) return $"tau {a.Tau}, spec {b.Tau}";
        if (a.Threshold != b.Threshold) return $"threshold {a.Threshold}, spec {b.Threshold}";
        if (a.Reset != b.Reset) return $"reset {a.Reset}, spec {b.Reset}";
        if (a.DetachReset != b.DetachReset) return $"detach-reset {a.DetachReset}, spec {b.DetachReset}";
        if (a.Rectifier != b.Rectifier) return "rectifier differs";
        SurrogateSpec sa = SurrogateSpec.From(a.SurrogateOrDefault), sb = SurrogateSpec.From(b.SurrogateOrDefault);
        if (sa.Name != sb.Name || !sa.Parameters.OrderBy(p => p.Key).SequenceEqual(sb.Parameters.OrderBy(p => p.Key)))
            return $"surrogate {a.SurrogateOrDefault}, spec {b.SurrogateOrDefault}";
        if (n is MpbnNeuron mn && r is MpbnNeuron mr && (mn.Eps != mr.Eps || mn.Momentum != mr.Momentum)) return "MPBN eps or momentum differs";
        return null;
    }
}
