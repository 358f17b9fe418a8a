using PureHDF;
using SpikeKit.Models;
using SpikeKit.Neurons;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Export;

/// <summary>What <see cref="NirExport.Write"/> wrote.</summary>
/// <param name="Path">The HDF5 file.</param>
/// <param name="Nodes">Node names in the file (SpikeKit's module paths with '.' as '_').</param>
/// <param name="Edges">Edges (source, target).</param>
/// <param name="Warnings">What the graph does not say exactly (soft reset written as hard reset), one line each.</param>
public sealed record NirFile(string Path, IReadOnlyList<string> Nodes, IReadOnlyList<(string Source, string Target)> Edges, IReadOnlyList<string> Warnings);

/// <summary>
/// Writes a trained network as a NIR graph (Neuromorphic Intermediate Representation; Pedersen et al., Nature Communications
/// 2024), the interchange format that Norse, snnTorch, Sinabs, Rockpool, Lava and neuromorphic toolchains read, in the HDF5
/// layout of NIR's reference serialization: a root dataset <c>version</c> and a group <c>node</c> holding <c>type = "NIRGraph"</c>,
/// a group per node under <c>nodes/</c> (a <c>type</c> string and one dataset per parameter), <c>edges</c> (N × 2 strings) and
/// <c>metadata</c>.
/// <para>Mapping, for inference (eval mode, running statistics):</para>
/// <list type="bullet">
/// <item>conv + (td)BN → <c>Conv2d</c> with BN folded in: <c>a_c = γ_c·α·V_th/√(σ²_c + ε)</c>, <c>W'_c = a_c·W_c</c>,
/// <c>b'_c = β_c − a_c·μ_c</c>; fully connected → <c>Affine</c>; average pooling → <c>AvgPool2d</c> (global pooling with the
/// map's size as kernel); flatten → <c>Flatten</c> (start_dim 0: node shapes carry no batch).</item>
/// <item>The discrete LIF <c>u[t] = τ_d·u[t−1] + x[t]</c> (τ_d the decay factor, 0.25 by default) with step <c>dt</c> is the NIR
/// <c>LIF</c> <c>τ·dv/dt = (v_leak − v) + r·I</c> under forward Euler with <c>τ = dt/(1 − τ_d)</c>, <c>r = τ/dt</c>, <c>v_leak = 0</c>,
/// <c>v_threshold = V_th</c>, <c>v_reset = 0</c>; τ_d = 1 (IF) is NIR's <c>IF</c> with <c>r = 1</c>. The mapping and <c>dt</c> are in
/// the graph's metadata.</item>
/// <item>Residual adds are two edges into one neuron (NIR sums a node's inputs).</item>
/// </list>
/// Refused with one line (<see cref="NotSupportedException"/>): max pooling (ResNet-18/34's stem; NIR has no max pooling), MPBN
/// neurons and the InfLoR rectifier (no NIR primitive). Soft reset (subtract V_th) has no NIR form either; like SpikingJelly,
/// it is written as hard reset with a warning.
/// </summary>
public static class NirExport
{
    /// <summary>The NIR version written.</summary>
    public const string Version = "1.0";

    /// <summary>Writes <paramref name="model"/> to <paramref name="path"/> (atomically: temp file, then rename).</summary>
    /// <param name="model">The network (its parameters are read in eval form; the module is not changed).</param>
    /// <param name="path">The .nir (HDF5) file.</param>
    /// <param name="dt">The time step in seconds that one SpikeKit timestep stands for (default 1 ms).</param>
    /// <exception cref="NotSupportedException">One line naming the layer NIR cannot express.</exception>
    public static NirFile Write(SpikingNetwork model, string path, double dt = 1e-3)
    {
        if (!(dt > 0)) throw new ArgumentException($"dt must be > 0, got {dt}", nameof(dt));
        var graph = model.Graph();
        var warnings = new List<string>();
        var nodes = new H5Group();
        var edges = new List<(string, string)>();
        static string Id(string name) => name.Replace('.', '_');
        foreach (var n in graph.Nodes)
        {
            foreach (var input in n.Inputs) edges.Add((Id(input), Id(n.Name)));
            nodes[Id(n.Name)] = n.Op switch
            {
                GraphOp.Input => new H5Group { ["type"] = "Input", ["input_type"] = new H5Group { ["input"] = n.Shape.ToArray() } },
                GraphOp.Conv => Conv(n),
                GraphOp.Linear => Affine(n),
                GraphOp.Neuron => Neuron(n, dt, warnings),
                GraphOp.AvgPool => Pool(n.Kernel, n.Stride, n.Padding),
                GraphOp.GlobalAvgPool => Pool(n.InputShape[1], n.InputShape[1], 0, n.InputShape[2]),
                GraphOp.Flatten => new H5Group
                {
                    ["type"] = "Flatten", ["start_dim"] = 0L, ["end_dim"] = -1L,
                    ["input_type"] = new H5Group { ["input"] = n.InputShape.ToArray() },
                },
                GraphOp.MaxPool => throw new NotSupportedException(
                    $"{model.GetName()}: layer '{n.Name}' is a max pooling, which NIR cannot express (export cnn, resnet19, resnet20, vgg11 or vgg16, which use average pooling)"),
                _ => throw new NotSupportedException($"{model.GetName()}: layer '{n.Name}' ({n.Op}) has no NIR form"),
            };
        }
        var output = graph[graph.Output];
        nodes["output"] = new H5Group { ["type"] = "Output", ["output_type"] = new H5Group { ["output"] = output.Shape.ToArray() } };
        edges.Add((Id(graph.Output), "output"));

        var o = model.Options;
        var file = new H5File
        {
            ["version"] = Version,
            ["node"] = new H5Group
            {
                ["type"] = "NIRGraph",
                ["nodes"] = nodes,
                ["edges"] = new H5Dataset(edges.SelectMany(e => new[] { e.Item1, e.Item2 }).ToArray(), fileDims: [(ulong)edges.Count, 2]),
                ["metadata"] = new H5Group
                {
                    ["source"] = $"SpikeKit {typeof(NirExport).Assembly.GetName().Version?.ToString(3)}",
                    ["model"] = model.GetName(),
                    ["dt"] = dt,
                    ["timesteps"] = (long)o.TimeSteps,
                    ["input"] = "presented at each timestep: a static image repeated (direct encoding), or one event frame per step",
                    ["neuron_mapping"] = "u[t] = decay*u[t-1] + x[t]; tau = dt/(1 - decay), r = tau/dt, v_leak = 0 (forward Euler); spike when u >= v_threshold, then u = v_reset",
                    ["batch_norm"] = "folded into the preceding Conv2d (eval-mode running statistics)",
                },
            },
        };
        using var buffer = new MemoryStream();
        file.Write(buffer); // PureHDF seeks back while writing; the file then goes to disk in one atomic write
        Runs.AtomicFile.Write(path, s => buffer.WriteTo(s));
        return new NirFile(path, [.. nodes.Keys], edges, warnings);
    }

    static H5Group Conv(GraphNode n)
    {
        var conv = (Conv2d)n.Module!;
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var w = conv.weight!.detach().to(float32).cpu();
        var b = conv.bias is { } cb ? cb.detach().to(float32).cpu() : zeros(w.shape[0]);
        if (n.Norm is { } bn)
        {
            // y = a·(conv(x) + b − μ) + β with a = γ·α·V_th/√(σ² + ε): W' = a·W, b' = a·(b − μ) + β.
            var state = bn.state_dict();
            var a = bn.weight.detach().mul(bn.Scale).div(state["running_var"].add(bn.Eps).sqrt()).to(float32).cpu();
            b = a.mul(b.sub(state["running_mean"].to(float32).cpu())).add(bn.bias.detach().to(float32).cpu());
            w = w.mul(a.view(-1, 1, 1, 1));
        }
        return new H5Group
        {
            ["type"] = "Conv2d",
            ["weight"] = Dataset(w),
            ["bias"] = Dataset(b),
            ["stride"] = new[] { n.Stride, n.Stride },
            ["padding"] = new[] { n.Padding, n.Padding },
            ["dilation"] = new[] { 1L, 1L },
            ["groups"] = 1L,
            ["input_shape"] = new[] { n.InputShape[1], n.InputShape[2] },
        };
    }

    static H5Group Affine(GraphNode n)
    {
        var fc = (Linear)n.Module!;
        using var scope = NewDisposeScope();
        var w = fc.weight!.detach().to(float32).cpu();
        var b = fc.bias is { } fb ? fb.detach().to(float32).cpu() : zeros(w.shape[0]);
        return new H5Group { ["type"] = "Affine", ["weight"] = Dataset(w), ["bias"] = Dataset(b) };
    }

    static H5Group Neuron(GraphNode n, double dt, List<string> warnings)
    {
        var neuron = (SpikingNeuron)n.Module!;
        var o = neuron.Options;
        if (neuron is MpbnNeuron)
            throw new NotSupportedException($"layer '{n.Name}' is an MPBN neuron (batch norm on the membrane potential), which NIR cannot express");
        if (o.Rectifier is not null)
            throw new NotSupportedException($"layer '{n.Name}' has InfLoR's membrane-potential rectifier, which NIR cannot express");
        if (o.Reset == ResetMode.Soft)
            warnings.Add($"layer '{n.Name}': soft reset (subtract V_th) has no NIR form; written as hard reset to 0, as SpikingJelly's export does");
        var shape = n.Shape.Select(s => (ulong)s).ToArray();
        long size = n.Size;
        H5Dataset Fill(double v) => new(Enumerable.Repeat((float)v, checked((int)size)).ToArray(), fileDims: shape);
        if (o.Tau >= 1.0)
            return new H5Group { ["type"] = "IF", ["r"] = Fill(1.0), ["v_threshold"] = Fill(o.Threshold), ["v_reset"] = Fill(0.0) };
        double tau = dt / (1 - o.Tau);
        return new H5Group
        {
            ["type"] = "LIF", ["tau"] = Fill(tau), ["r"] = Fill(tau / dt), ["v_leak"] = Fill(0.0),
            ["v_threshold"] = Fill(o.Threshold), ["v_reset"] = Fill(0.0),
        };
    }

    static H5Group Pool(long kernel, long stride, long padding, long? kernelWidth = null) => new()
    {
        ["type"] = "AvgPool2d",
        ["kernel_size"] = new[] { kernel, kernelWidth ?? kernel },
        ["stride"] = new[] { stride, kernelWidth ?? stride },
        ["padding"] = new[] { padding, padding },
    };

    static H5Dataset Dataset(Tensor t) =>
        new(t.contiguous().data<float>().ToArray(), fileDims: t.shape.Select(s => (ulong)s).ToArray());
}
