using SpikeKit.Layers;
using SpikeKit.Neurons;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Models;

/// <summary>What a node of a <see cref="ModelGraph"/> computes (per timestep, on one sample).</summary>
public enum GraphOp
{
    /// <summary>The network's input (the image, repeated over T).</summary>
    Input,
    /// <summary>2-D convolution, followed by its (td)BN when <see cref="GraphNode.Norm"/> is set.</summary>
    Conv,
    /// <summary>Fully connected layer <c>y = W·x + b</c>.</summary>
    Linear,
    /// <summary>A spiking layer; its inputs are summed (residual adds are edges into one neuron).</summary>
    Neuron,
    /// <summary>Average pooling (kernel = stride, no padding).</summary>
    AvgPool,
    /// <summary>Max pooling.</summary>
    MaxPool,
    /// <summary>Average over the whole feature map, to <c>[C, 1, 1]</c>.</summary>
    GlobalAvgPool,
    /// <summary>Flattens <c>[C, H, W]</c> to <c>[C·H·W]</c>.</summary>
    Flatten,
}

/// <summary>
/// One layer of a <see cref="ModelGraph"/>. <see cref="Name"/> is the module path of its parameters in the network's state
/// dict (<c>conv2.inner</c>, <c>stages.stage1_0.lif1</c>) or, for parameter-free layers, a unique name.
/// </summary>
/// <param name="Name">Module path or unique name.</param>
/// <param name="Op">What it computes.</param>
/// <param name="Inputs">Names of the nodes it reads (several only for a neuron, whose inputs are summed).</param>
/// <param name="InputShape">Per-sample shape of its input (no T or B): <c>[C, H, W]</c> or <c>[N]</c>.</param>
/// <param name="Shape">Per-sample shape of its output.</param>
public sealed record GraphNode(string Name, GraphOp Op, IReadOnlyList<string> Inputs, IReadOnlyList<long> InputShape, IReadOnlyList<long> Shape)
{
    /// <summary>The module: <see cref="Conv2d"/>, <see cref="TorchSharp.Modules.Linear"/> or <see cref="SpikingNeuron"/>; null for the rest.</summary>
    public nn.Module? Module { get; init; }
    /// <summary>The (td)BN after a convolution, or null.</summary>
    public ThresholdDependentBatchNorm? Norm { get; init; }
    /// <summary>Module path of <see cref="Norm"/>, or null.</summary>
    public string? NormName { get; init; }
    /// <summary>Kernel side (convolutions and pooling).</summary>
    public long Kernel { get; init; }
    /// <summary>Stride (convolutions and pooling).</summary>
    public long Stride { get; init; } = 1;
    /// <summary>Zero padding on each side (convolutions and pooling).</summary>
    public long Padding { get; init; }

    /// <summary>Elements of the output per sample and timestep.</summary>
    public long Size => Shape.Aggregate(1L, (a, b) => a * b);

    /// <summary>True for the layers with weights (convolutions and fully connected layers).</summary>
    public bool IsSynaptic => Op is GraphOp.Conv or GraphOp.Linear;

    /// <summary>Multiply-accumulates of one evaluation on one sample: <c>C_out·H_out·W_out·C_in·k²</c> for a convolution,
    /// <c>in·out</c> for a fully connected layer, 0 otherwise.</summary>
    public double DenseMacs => Op switch
    {
        GraphOp.Conv => (double)Size * InputShape[0] * Kernel * Kernel,
        GraphOp.Linear => (double)Size * InputShape[0],
        _ => 0,
    };

    /// <summary>Connections from one input element to the outputs, on average: <c>C_out·k²/s²</c> for a convolution, the
    /// output size for a fully connected layer (the fan-out of SNN energy estimates; borders are not subtracted).</summary>
    public double FanOut => Op switch
    {
        GraphOp.Conv => (double)Shape[0] * Kernel * Kernel / (Stride * Stride),
        GraphOp.Linear => Shape[0],
        _ => 0,
    };
}

/// <summary>
/// A network as a graph of layers in forward order, with per-sample shapes: what NIR export, synaptic-operation counts and
/// the documentation of a model read. Each model builds its own (<see cref="SpikingNetwork.Graph"/>) with
/// <see cref="GraphBuilder"/>, naming its modules by their state-dict paths; a test runs every graph and checks that it
/// computes what the model's <c>forward</c> computes.
/// </summary>
/// <param name="Nodes">The nodes in forward order (the input first).</param>
/// <param name="Output">Name of the node whose value the network returns (per timestep).</param>
public sealed record ModelGraph(IReadOnlyList<GraphNode> Nodes, string Output)
{
    /// <summary>The node named <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">When there is none.</exception>
    public GraphNode this[string name] => Nodes.FirstOrDefault(n => n.Name == name) ?? throw new KeyNotFoundException($"graph: no node '{name}'");

    /// <summary>The nodes that read <paramref name="name"/>.</summary>
    public IEnumerable<GraphNode> Consumers(string name) => Nodes.Where(n => n.Inputs.Contains(name));

    /// <summary>The synaptic layers (convolution, fully connected) that the output of <paramref name="name"/> reaches through
    /// parameter-free layers (pooling, flatten), and the neurons it enters directly (residual identity adds).</summary>
    public IReadOnlyList<GraphNode> SynapticTargets(string name)
    {
        var found = new List<GraphNode>();
        var stack = new Stack<string>([name]);
        while (stack.Count > 0)
            foreach (var c in Consumers(stack.Pop()))
            {
                if (c.IsSynaptic || c.Op == GraphOp.Neuron) found.Add(c);
                else stack.Push(c.Name);
            }
        return found;
    }
}

/// <summary>
/// Builds a <see cref="ModelGraph"/> from a network's modules, found by their state-dict paths, and infers every shape
/// (<c>H_out = ⌊(H + 2p − k)/s⌋ + 1</c>); a path that names no module of the right kind, or a shape that does not fit the
/// weights, is an <see cref="InvalidOperationException"/> naming the node.
/// </summary>
public sealed class GraphBuilder
{
    readonly Dictionary<string, nn.Module> _modules;
    readonly List<GraphNode> _nodes = [];

    /// <summary>Starts a graph of <paramref name="network"/> whose input is one sample of shape <paramref name="inputShape"/>.</summary>
    public GraphBuilder(nn.Module network, params long[] inputShape)
    {
        _modules = network.named_modules().Where(m => m.name.Length > 0).ToDictionary(m => m.name, m => m.module);
        _nodes.Add(new GraphNode(InputName, GraphOp.Input, [], inputShape, inputShape));
    }

    /// <summary>The input node's name.</summary>
    public const string InputName = "input";

    /// <summary>A convolution at <paramref name="conv"/> (a <see cref="Conv2d"/>; its stride and padding are read from it),
    /// with its (td)BN at <paramref name="norm"/> when given.</summary>
    public string Conv(string conv, string? norm, string from)
    {
        var module = Find<Conv2d>(conv);
        var input = Shape(from);
        var w = module.weight!.shape;
        if (module.groups != 1 || module.dilation.Any(d => d != 1) || w[2] != w[3] || module.stride[0] != module.stride[1] || module.padding is not [var p0, var p1] || p0 != p1)
            throw Bad(conv, "is not a square, ungrouped, undilated convolution");
        long stride = module.stride[0], padding = module.padding![0];
        if (input.Count != 3 || input[0] != w[1]) throw Bad(conv, $"expects {w[1]} input channels, gets [{string.Join(", ", input)}]");
        long k = w[2], h = (input[1] + 2 * padding - k) / stride + 1, wd = (input[2] + 2 * padding - k) / stride + 1;
        return Add(new GraphNode(conv, GraphOp.Conv, [from], input, [w[0], h, wd])
        {
            Module = module, Norm = norm is null ? null : Find<ThresholdDependentBatchNorm>(norm), NormName = norm,
            Kernel = k, Stride = stride, Padding = padding,
        });
    }

    /// <summary>A fully connected layer at <paramref name="linear"/>.</summary>
    public string Linear(string linear, string from)
    {
        var module = Find<Linear>(linear);
        var input = Shape(from);
        var w = module.weight!.shape;
        if (input.Count != 1 || input[0] != w[1]) throw Bad(linear, $"expects {w[1]} inputs, gets [{string.Join(", ", input)}]");
        return Add(new GraphNode(linear, GraphOp.Linear, [from], input, [w[0]]) { Module = module });
    }

    /// <summary>A spiking layer at <paramref name="neuron"/>, fed by the sum of <paramref name="from"/>.</summary>
    public string Neuron(string neuron, params string[] from)
    {
        var module = Find<SpikingNeuron>(neuron);
        var input = Shape(from[0]);
        foreach (var f in from.Skip(1))
            if (!Shape(f).SequenceEqual(input)) throw Bad(neuron, $"sums inputs of different shapes ({from[0]}, {f})");
        return Add(new GraphNode(neuron, GraphOp.Neuron, from, input, input) { Module = module });
    }

    /// <summary>Average pooling with kernel = stride = <paramref name="kernel"/>.</summary>
    public string AvgPool(string name, long kernel, string from)
    {
        var s = Shape(from);
        return Add(new GraphNode(name, GraphOp.AvgPool, [from], s, [s[0], s[1] / kernel, s[2] / kernel]) { Kernel = kernel, Stride = kernel });
    }

    /// <summary>Max pooling.</summary>
    public string MaxPool(string name, long kernel, long stride, long padding, string from)
    {
        var s = Shape(from);
        return Add(new GraphNode(name, GraphOp.MaxPool, [from], s,
            [s[0], (s[1] + 2 * padding - kernel) / stride + 1, (s[2] + 2 * padding - kernel) / stride + 1])
        { Kernel = kernel, Stride = stride, Padding = padding });
    }

    /// <summary>Global average pooling to <c>[C, 1, 1]</c>.</summary>
    public string GlobalAvgPool(string name, string from)
    {
        var s = Shape(from);
        return Add(new GraphNode(name, GraphOp.GlobalAvgPool, [from], s, [s[0], 1, 1]));
    }

    /// <summary>Flatten to one dimension.</summary>
    public string Flatten(string name, string from)
    {
        var s = Shape(from);
        return Add(new GraphNode(name, GraphOp.Flatten, [from], s, [s.Aggregate(1L, (a, b) => a * b)]));
    }

    /// <summary>The graph, returning <paramref name="output"/>.</summary>
    public ModelGraph Build(string output)
    {
        Shape(output);
        return new ModelGraph(_nodes.ToList(), output);
    }

    string Add(GraphNode node)
    {
        if (_nodes.Any(n => n.Name == node.Name)) throw Bad(node.Name, "is defined twice");
        _nodes.Add(node);
        return node.Name;
    }

    IReadOnlyList<long> Shape(string name) =>
        _nodes.FirstOrDefault(n => n.Name == name)?.Shape ?? throw Bad(name, "is read before it is defined");

    T Find<T>(string path) where T : nn.Module =>
        _modules.TryGetValue(path, out var m) && m is T t ? t : throw Bad(path, $"names no {typeof(T).Name} of the network");

    static InvalidOperationException Bad(string node, string what) => new($"graph node '{node}' {what}");
}
