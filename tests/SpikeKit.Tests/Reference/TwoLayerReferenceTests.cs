using System.Text.Json;
using SpikeKit.Layers;
using SpikeKit.Losses;
using SpikeKit.Native;
using SpikeKit.Neurons;
using TorchSharp;
using TorchSharp.Modules;
using Xunit.Abstractions;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Reference;

/// <summary>
/// Compares a SpikeKit composition with an independent PyTorch implementation of the same network
/// (tests/reference/make_reference.py; the expected loss and gradients are in tests/reference/two_layer_rmp.json).
/// </summary>
public class TwoLayerReferenceTests
{
    readonly ITestOutputHelper _out;

    public TwoLayerReferenceTests(ITestOutputHelper output)
    {
        TorchNative.EnsureLoaded();
        _out = output;
    }

    const int T = 4, B = 4;
    static readonly long[] Targets = [0, 1, 2, 1];

    /// <summary>value[n] = offset + scale·sin(phase + freq·n) over the row-major index n (as in make_reference.py).</summary>
    static Tensor Formula(long[] shape, double scale, double phase, double freq, double offset)
    {
        long n = shape.Aggregate(1L, (a, s) => a * s);
        var v = new float[n];
        for (long i = 0; i < n; i++) v[i] = (float)(offset + scale * Math.Sin(phase + freq * i));
        return tensor(v, shape);
    }

    // The same table as SPECS in make_reference.py: shape, scale, phase, freq, offset.
    static readonly Dictionary<string, (long[] Shape, double Scale, double Phase, double Freq, double Offset)> Specs = new()
    {
        ["input"] = ([B, 1, 8, 8], 0.5, 0.1, 0.23, 0.5),
        ["conv1.weight"] = ([4, 1, 3, 3], 0.4, 0.3, 0.37, 0.0),
        ["bn1.weight"] = ([4], 0.2, 0.5, 0.9, 1.0),
        ["bn1.bias"] = ([4], 0.1, 0.7, 1.3, 0.0),
        ["fc1.weight"] = ([16, 64], 0.25, 0.2, 0.37, 0.02),
        ["fc1.bias"] = ([16], 0.1, 0.9, 0.61, 0.05),
        ["fc2.weight"] = ([3, 16], 0.5, 1.1, 0.53, 0.0),
        ["fc2.bias"] = ([3], 0.1, 1.7, 1.1, 0.0),
    };

    static Tensor Make(string key) { var s = Specs[key]; return Formula(s.Shape, s.Scale, s.Phase, s.Freq, s.Offset); }

    static string ReferencePath()
    {
        var copied = Path.Combine(AppContext.BaseDirectory, "reference", "two_layer_rmp.json");
        if (File.Exists(copied)) return copied;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var p = Path.Combine(dir.FullName, "tests", "reference", "two_layer_rmp.json");
            if (File.Exists(p)) return p;
        }
        throw new FileNotFoundException("two_layer_rmp.json not found beside the test assembly nor in tests/reference above it");
    }

    [Fact]
    public void LossAndEveryWeightGradientMatchPyTorch()
    {
        using var json = JsonDocument.Parse(File.ReadAllText(ReferencePath()));
        var root = json.RootElement;
        using var scope = NewDisposeScope();

        var conv1 = nn.Conv2d(1, 4, 3, padding: 1, bias: false);
        var bn1 = new ThresholdDependentBatchNorm(4, alpha: 1.0, threshold: 0.5);
        var fc1 = nn.Linear(64, 16);
        var fc2 = nn.Linear(16, 3);
        var neuron = new NeuronOptions(Tau: 0.25, Threshold: 0.5, Reset: ResetMode.Hard);
        var net = nn.Sequential(
            ("conv1", new TimeDistributed(conv1)),
            ("bn1", bn1),
            ("lif1", new LifNeuron(neuron)),
            ("pool", new TimeDistributed(nn.AvgPool2d(2))),
            ("flatten", new TimeDistributed(nn.Flatten())),
            ("fc1", new TimeDistributed(fc1)),
            ("lif2", new LifNeuron(neuron)),
            ("fc2", new TimeDistributed(fc2)));
        net.train();

        var weights = new Dictionary<string, Parameter>
        {
            ["conv1.weight"] = conv1.weight!, ["bn1.weight"] = bn1.weight, ["bn1.bias"] = bn1.bias,
            ["fc1.weight"] = fc1.weight!, ["fc1.bias"] = fc1.bias!, ["fc2.weight"] = fc2.weight!, ["fc2.bias"] = fc2.bias!,
        };
        using (no_grad())
            foreach (var (k, p) in weights) p.copy_(Make(k));

        var x = Make("input");
        var seq = x.unsqueeze(0).expand(T, B, 1, 8, 8);
        var outputs = net.forward(seq);
        Assert.Equal(new long[] { T, B, 3 }, outputs.shape);

        var layers = SpikingLayers.Activity(net);
        Assert.Equal(["lif1", "lif2"], layers.Select(l => l.Name));
        var loss = CompositeLoss.Baseline.With(new RmpLoss(), 0.1).Compute(outputs, tensor(Targets), layers);

        Close(root.GetProperty("ce").GetDouble(), Scalar(loss.Task), 1e-5, "ce");
        Close(root.GetProperty("rmp").GetDouble(), Scalar(loss.Terms[0].Value), 1e-5, "rmp");
        var rmpLayers = root.GetProperty("rmp_layers").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Close(rmpLayers, layers.Select(l => Scalar(new RmpLoss().LayerTerm(l))).ToArray(), 1e-5, "rmp per layer");
        var rates = root.GetProperty("firing_rates").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        Close(rates, layers.Select(l => Scalar(l.Spikes.mean())).ToArray(), 1e-7, "firing rates");
        Close(root.GetProperty("loss").GetDouble(), Scalar(loss.Total), 1e-5, "loss");

        loss.Total.backward();
        var grads = root.GetProperty("grads");
        Assert.Equal(weights.Keys.Order(), grads.EnumerateObject().Select(p => p.Name).Order());
        foreach (var (k, p) in weights)
        {
            var g = grads.GetProperty(k);
            Assert.Equal(g.GetProperty("shape").EnumerateArray().Select(e => e.GetInt64()), p.shape);
            var expected = g.GetProperty("values").EnumerateArray().Select(e => e.GetDouble()).ToArray();
            Assert.Contains(expected, v => v != 0);
            var actual = Values(p.grad!);
            _out.WriteLine($"{k}: max |C# − PyTorch| = {expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max():E2}");
            Close(expected, actual, 1e-5, $"grad {k}");
        }
    }
}
