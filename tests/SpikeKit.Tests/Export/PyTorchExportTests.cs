using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using SpikeKit.Export;
using SpikeKit.Layers;
using SpikeKit.Models;
using SpikeKit.Neurons;
using SpikeKit.Surrogates;
using TorchSharp;
using TorchSharp.PyBridge;
using Xunit.Abstractions;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Export;

public class PyTorchExportTests : TempFolderTests
{
    const double Tolerance = 1e-4;
    readonly ITestOutputHelper _out;

    public PyTorchExportTests(ITestOutputHelper output) : base("spikekit-export-")
    {
        _out = output;
        SpikeKit.Native.TorchNative.EnsureLoaded();
    }

    // Loads each exported model with the twin, feeds it the raw float32 input and writes its logits as raw float32.
    const string Runner = """
        import sys
        from array import array
        import torch
        import spikekit_torch
        weights, input_path, shape, output_path = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3].split(",")], sys.argv[4]
        model = spikekit_torch.load(weights)
        assert not model.training
        data = array("f")
        with open(input_path, "rb") as f:
            data.frombytes(f.read())
        x = torch.tensor(data, dtype=torch.float32).view(shape)
        with torch.no_grad():
            y = model(x)
        with open(output_path, "wb") as f:
            array("f", y.contiguous().view(-1).tolist()).tofile(f)
        print("twin", type(model).__name__, tuple(y.shape), len(model.state_dict()), "keys", "torch", torch.__version__)
        """;

    /// <summary>A zoo model for <paramref name="name"/> with <paramref name="options"/>, trained <paramref name="steps"/>
    /// SGD steps on random data (so weights and BN statistics are not the initial ones), left in eval mode.</summary>
    static SpikingNetwork Trained(string name, ModelOptions options, int steps)
    {
        var model = ModelZoo.Create(name, options);
        using var opt = optim.SGD(model.parameters(), 0.05, momentum: 0.9);
        model.train();
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            var x = randn(8, options.InputChannels, options.InputSize, options.InputSize);
            var y = randint(0, options.Classes, [8]);
            opt.zero_grad();
            var loss = nn.functional.cross_entropy(model.forward(x).mean([0]), y);
            loss.backward();
            opt.step();
        }
        model.eval();
        // Training moved the BN statistics away from their initial 0 and 1.
        var norm = model.modules().OfType<ThresholdDependentBatchNorm>().First();
        var mean = Values(norm.get_buffer("running_mean")!);
        Assert.Contains(mean, v => Math.Abs(v) > 1e-6);
        return model;
    }

    /// <summary>Exports <paramref name="model"/>, runs the twin on <paramref name="x"/> under /usr/bin/python3 and returns
    /// the max |SpikeKit − twin| over all T·B·K logits (asserted ≤ 1e-4).</summary>
    double CompareWithTwin(SpikingNetwork model, ModelSpec spec, Tensor x, string file, string label)
    {
        Assert.Null(SystemPyTorch.Missing);
        var files = PyTorchExport.Write(model, spec, Path.Combine(Dir, file));
        double[] expected;
        long[] shape;
        using (no_grad())
        {
            model.eval();
            using var y = model.forward(x);
            expected = Values(y);
            shape = y.shape;
            // The comparison means something only if the network fires: some spikes, not all.
            var rates = model.Activity().Select(a => Scalar(a.Spikes.mean())).ToArray();
            Assert.Contains(rates, r => r > 0 && r < 1);
        }
        var input = Path.Combine(Dir, file + ".input.bin");
        var output = Path.Combine(Dir, file + ".logits.bin");
        File.WriteAllBytes(input, Float32Bytes(Values(x)));
        var script = Path.Combine(Dir, "run_twin.py");
        File.WriteAllText(script, Runner);
        var log = RunPython(Path.GetDirectoryName(files.Twin)!, script, files.Weights, input, string.Join(",", x.shape), output);
        var actual = ReadFloat32(output);
        Assert.Equal(expected.Length, actual.Length);
        Assert.Equal(shape.Aggregate(1L, (a, b) => a * b), actual.Length);
        double maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        _out.WriteLine($"{label}: {log.Trim()}; logits [{string.Join(", ", shape)}], max |SpikeKit - PyTorch| = {maxDiff.ToString("E2", CultureInfo.InvariantCulture)}");
        Close(expected, actual, Tolerance, $"{label} logits");
        return maxDiff;
    }

    static string RunPython(string pythonPath, string script, params string[] args)
    {
        var psi = new ProcessStartInfo(SystemPyTorch.Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add(script);
        foreach (var a in args) psi.ArgumentList.Add(a);
        psi.Environment["PYTHONPATH"] = pythonPath;
        psi.Environment["OMP_NUM_THREADS"] = "1";
        using var p = Process.Start(psi)!;
        var stderr = p.StandardError.ReadToEndAsync();
        var stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(300_000), "python did not finish in 300 s");
        Assert.True(p.ExitCode == 0, $"python exited {p.ExitCode}: {stderr.Result}");
        return stdout;
    }

    static byte[] Float32Bytes(double[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), (float)values[i]);
        return bytes;
    }

    static double[] ReadFloat32(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var values = new double[bytes.Length / 4];
        for (int i = 0; i < values.Length; i++) values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4));
        return values;
    }

    static readonly ModelOptions SmallCnn = new(TimeSteps: 4, InputChannels: 1, InputSize: 28, Classes: 10, Width: 0.5);
    static readonly ModelOptions SlimResNet20 = new(TimeSteps: 4, InputChannels: 3, InputSize: 32, Classes: 10, Width: 0.25);

    [FactWhenPyTorch]
    public void TrainedSmallCnnAndSlimResNet20GiveTheSameLogitsInPyTorch()
    {
        using var scope = NewDisposeScope();
        foreach (var (name, options, file) in new[] { ("cnn", SmallCnn, "cnn.pt"), ("resnet20", SlimResNet20, "resnet20.pt") })
        {
            using var model = Trained(name, options, steps: 3);
            using var x = randn(4, options.InputChannels, options.InputSize, options.InputSize);
            CompareWithTwin(model, ModelSpec.From(name, options), x, file, $"{name} (trained, pt)");
        }
    }

    public static IEnumerable<object[]> Variants() =>
    [
        ["cnn", "soft reset, sigmoid surrogate, BN", new ModelOptions(TimeSteps: 3, Neuron: new NeuronOptions(Reset: ResetMode.Soft, Surrogate: new SigmoidSurrogate(3.0)), Norm: NormKind.BN, Width: 0.25)],
        ["cnn", "IF, atan, detached reset, 2 channels 16x16", new ModelOptions(TimeSteps: 2, Neuron: new NeuronOptions(Threshold: 0.7, DetachReset: true, Surrogate: new AtanSurrogate()), NeuronKind: NeuronKind.If, InputChannels: 2, InputSize: 16, Classes: 3, Width: 0.25)],
        ["cnn", "InfLoR rectifier, soft reset, op-by-op", new ModelOptions(TimeSteps: 2, Neuron: new NeuronOptions(Reset: ResetMode.Soft, Rectifier: InflorRectifier.Paper), Width: 0.25)],
        ["resnet20", "MPBN (folded in SpikeKit)", new ModelOptions(TimeSteps: 2, InputChannels: 3, InputSize: 16, Width: 0.25, Mpbn: true)],
        ["resnet19", "rectangular surrogate", new ModelOptions(TimeSteps: 2, Neuron: new NeuronOptions(Surrogate: new RectangularSurrogate(0.8)), InputChannels: 3, InputSize: 16, Width: 0.0625)],
        ["resnet18", "ImageNet stem", new ModelOptions(TimeSteps: 2, InputChannels: 3, InputSize: 32, Classes: 5, Width: 0.125)],
        ["resnet34", "ImageNet stem", new ModelOptions(TimeSteps: 2, InputChannels: 3, InputSize: 32, Classes: 5, Width: 0.0625)],
        ["vgg11", "triangle surrogate, 28x28", new ModelOptions(TimeSteps: 2, Neuron: new NeuronOptions(Surrogate: new TriangleSurrogate(0.5)), InputChannels: 1, InputSize: 28, Width: 0.125)],
        ["vgg16", "tanh k=2 w=0.8", new ModelOptions(TimeSteps: 2, Neuron: new NeuronOptions(Surrogate: new TanhSurrogate(2.0, 0.8)), InputChannels: 3, InputSize: 32, Width: 0.0625)],
    ];

    [TheoryWhenPyTorch]
    [InlineData("cnn", 34)]
    [InlineData("resnet20", 48)]
    public void EventFramesGiveTheSameLogitsInPyTorch(string name, int size)
    {
        using var scope = NewDisposeScope();
        var options = new ModelOptions(TimeSteps: 3, InputChannels: 2, InputSize: size, Classes: 10, Width: 0.25);
        using var model = Trained(name, options, steps: 1);
        using var frames = rand(new long[] { 3, 2, 2, size, size }).lt(0.3).to(ScalarType.Float32).mul(2); // [T, B, 2, H, W] event counts
        CompareWithTwin(model, ModelSpec.From(name, options), frames, $"{name}-events.pt", $"{name} on [T, B, 2, {size}, {size}] frames");
    }

    [TheoryWhenPyTorch]
    [MemberData(nameof(Variants))]
    public void EveryZooModelAndNeuronVariantGivesTheSameLogitsInPyTorch(string name, string what, ModelOptions options)
    {
        using var scope = NewDisposeScope();
        using var model = Trained(name, options, steps: 1);
        if (options.Mpbn) Assert.True(MpbnNeuron.FoldAll(model) > 0);
        using var x = randn(3, options.InputChannels, options.InputSize, options.InputSize);
        CompareWithTwin(model, ModelSpec.From(name, options), x, $"{name}.pt", $"{name} ({what})");
    }

    [Fact]
    public void SafetensorsRoundTripsInSpikeKit()
    {
        using var scope = NewDisposeScope();
        using var model = Trained("cnn", SmallCnn, steps: 2);
        var spec = ModelSpec.From("cnn", SmallCnn);
        var files = PyTorchExport.Write(model, spec, Path.Combine(Dir, "cnn.safetensors"));
        // The file is safetensors: an 8-byte little-endian header length, then a JSON header naming every key.
        var bytes = File.ReadAllBytes(files.Weights);
        long headerLength = BinaryPrimitives.ReadInt64LittleEndian(bytes);
        using var header = System.Text.Json.JsonDocument.Parse(bytes.AsMemory(8, (int)headerLength));
        var keys = header.RootElement.EnumerateObject().Select(p => p.Name).Where(k => k != "__metadata__").ToHashSet();
        Assert.Equal(model.state_dict().Keys.ToHashSet(), keys);
        // Loaded back into a fresh model (strict): the same tensors bit for bit, the same logits.
        using var fresh = ModelZoo.Create("cnn", spec.ToModelOptions());
        fresh.load_safetensors(files.Weights, strict: true);
        foreach (var (key, t) in model.state_dict())
            Assert.True(t.allclose(fresh.state_dict()[key], 0, 0), $"{key} differs after the safetensors round trip");
        fresh.eval();
        using var x = randn(4, 1, 28, 28);
        using (no_grad())
        {
            using var a = model.forward(x);
            using var b = fresh.forward(x);
            Assert.True(a.allclose(b, 0, 0), "logits differ after the safetensors round trip");
        }
    }

    [FactWhenPyTorch]
    public void SafetensorsLoadsInThePyTorchTwin()
    {
        // The twin reads .safetensors by hand (no safetensors package).
        using var scope = NewDisposeScope();
        using var model = Trained("cnn", SmallCnn, steps: 2);
        using var x = randn(4, 1, 28, 28);
        CompareWithTwin(model, ModelSpec.From("cnn", SmallCnn), x, "cnn.safetensors", "cnn (trained, safetensors)");
    }

    [Fact]
    public void ExportWritesTheSpecAndTheTwinBesideTheWeights()
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create("cnn", SmallCnn);
        var path = Path.Combine(Dir, "sub", "model.pt");
        var files = PyTorchExport.Write(model, ModelSpec.From("cnn", SmallCnn), path);
        Assert.Equal(Path.GetFullPath(path), files.Weights);
        Assert.Equal(files.Weights + ".json", files.Spec);
        Assert.Equal(Path.Combine(Dir, "sub", "spikekit_torch.py"), files.Twin);
        Assert.Equal(PyTorchExport.TwinSource, File.ReadAllText(files.Twin));
        Assert.Contains("def load(path, spec_path=None):", PyTorchExport.TwinSource);
        // A torch.save file is a zip archive; no temp files are left behind.
        var head = File.ReadAllBytes(files.Weights).AsSpan(0, 2).ToArray();
        Assert.Equal("PK"u8.ToArray(), head);
        Assert.Equal(["model.pt", "model.pt.json", "spikekit_torch.py"], Directory.GetFiles(Path.Combine(Dir, "sub")).Select(f => Path.GetFileName(f)!).Order().ToArray());
        // The PyBridge reader takes it back into a fresh model exactly.
        using var fresh = ModelZoo.Create("cnn", SmallCnn);
        fresh.load_py(files.Weights, strict: true);
        foreach (var (key, t) in model.state_dict()) Assert.True(t.allclose(fresh.state_dict()[key], 0, 0), key);
        Assert.Equal(ModelSpec.From("cnn", SmallCnn).ToJson(), ModelSpec.Read(files.Spec).ToJson());
    }

    // Runs one training-mode forward and backward in the twin (batch statistics, surrogate gradients) and writes the
    // logits and every parameter's gradient as JSON.
    const string TrainRunner = """
        import json, sys
        from array import array
        import torch
        import torch.nn.functional as F
        import spikekit_torch
        weights, input_path, shape, labels, output_path = sys.argv[1], sys.argv[2], [int(s) for s in sys.argv[3].split(",")], sys.argv[4], sys.argv[5]
        model = spikekit_torch.load(weights).train()
        data = array("f")
        with open(input_path, "rb") as f:
            data.frombytes(f.read())
        x = torch.tensor(data, dtype=torch.float32).view(shape)
        y = model(x)
        loss = F.cross_entropy(y.mean(0), torch.tensor([int(v) for v in labels.split(",")]))
        loss.backward()
        out = {"logits": y.detach().contiguous().view(-1).tolist(),
               "grads": {n: p.grad.contiguous().view(-1).tolist() for n, p in model.named_parameters()}}
        with open(output_path, "w") as f:
            json.dump(out, f)
        print("twin train", type(model).__name__, len(out["grads"]), "gradients")
        """;

    public static IEnumerable<object[]> TrainingVariants() =>
    [
        ["tanh surrogate, hard reset", new NeuronOptions(), NeuronKind.Lif, false],
        ["rectangular surrogate", new NeuronOptions(Surrogate: new RectangularSurrogate(0.9)), NeuronKind.Lif, false],
        ["triangle surrogate", new NeuronOptions(Surrogate: new TriangleSurrogate(0.7)), NeuronKind.Lif, false],
        ["sigmoid surrogate, soft reset", new NeuronOptions(Reset: ResetMode.Soft, Surrogate: new SigmoidSurrogate()), NeuronKind.Lif, false],
        ["atan surrogate, detached reset", new NeuronOptions(DetachReset: true, Surrogate: new AtanSurrogate(3.0)), NeuronKind.Lif, false],
        ["IF, tanh surrogate (autograd mode)", new NeuronOptions(Surrogate: new TanhSurrogate { Mode = SurrogateMode.Autograd }), NeuronKind.If, false],
        ["MPBN", new NeuronOptions(), NeuronKind.Lif, true],
        ["InfLoR rectifier, soft reset", new NeuronOptions(Reset: ResetMode.Soft, Rectifier: InflorRectifier.Paper), NeuronKind.Lif, false],
    ];

    [TheoryWhenPyTorch]
    [MemberData(nameof(TrainingVariants))]
    public void TheTwinTrainsLikeSpikeKitBatchStatisticsAndSurrogateGradients(string what, NeuronOptions neuron, NeuronKind kind, bool mpbn)
    {
        Assert.Null(SystemPyTorch.Missing);
        using var scope = NewDisposeScope();
        var options = new ModelOptions(TimeSteps: 3, Neuron: neuron, NeuronKind: kind, Width: 0.25, Mpbn: mpbn);
        using var model = Trained("cnn", options, steps: 1);
        var files = PyTorchExport.Write(model, ModelSpec.From("cnn", options), Path.Combine(Dir, "cnn.pt"));
        using var x = randn(6, 1, 28, 28);
        long[] labels = [0, 1, 2, 3, 4, 5];
        model.train();
        foreach (var p in model.parameters()) p.grad = null;
        using var y = model.forward(x);
        using var target = tensor(labels);
        using var loss = nn.functional.cross_entropy(y.mean([0]), target);
        loss.backward();
        var input = Path.Combine(Dir, "input.bin");
        File.WriteAllBytes(input, Float32Bytes(Values(x)));
        var script = Path.Combine(Dir, "train_twin.py");
        File.WriteAllText(script, TrainRunner);
        var output = Path.Combine(Dir, "train.json");
        var log = RunPython(Path.GetDirectoryName(files.Twin)!, script, files.Weights, input, "6,1,28,28", string.Join(",", labels), output);
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(output));
        double[] Read(System.Text.Json.JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();
        var logits = Read(doc.RootElement.GetProperty("logits"));
        double logitDiff = Values(y).Zip(logits, (a, b) => Math.Abs(a - b)).Max();
        Close(Values(y), logits, Tolerance, $"{what}: training-mode logits");
        var grads = doc.RootElement.GetProperty("grads");
        var names = model.named_parameters().Select(p => p.name).ToList();
        Assert.Equal(names.Order(), grads.EnumerateObject().Select(p => p.Name).Order());
        double gradDiff = 0, gradMax = 0;
        foreach (var (name, p) in model.named_parameters())
        {
            Assert.NotNull(p.grad);
            var expected = Values(p.grad);
            var actual = Read(grads.GetProperty(name));
            double scale = expected.Max(Math.Abs);
            gradMax = Math.Max(gradMax, scale);
            gradDiff = Math.Max(gradDiff, expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max());
            // Float32 gradients summed in different orders: within 1e-4 of the largest gradient of the tensor.
            Close(expected, actual, 1e-6 + 1e-4 * scale, $"{what}: gradient of {name}");
        }
        Assert.True(gradMax > 0, "no gradient reached the parameters");
        _out.WriteLine($"{what}: {log.Trim()}; max |logit diff| {logitDiff:E2}, max |grad diff| {gradDiff:E2} (largest |grad| {gradMax:E2})");
    }

    public static IEnumerable<object[]> SpecOptions() =>
    [
        ["cnn", new ModelOptions()],
        ["resnet19", new ModelOptions(TimeSteps: 6, Neuron: new NeuronOptions(0.5, 1.0, ResetMode.Soft, true, new TriangleSurrogate(0.3)), NeuronKind.If, NormKind.BN, 3, 32, 100, 0.5, true)],
        ["vgg11", new ModelOptions(Neuron: new NeuronOptions(Reset: ResetMode.Soft, Surrogate: new TanhSurrogate(4, 2), Rectifier: new InflorRectifier(2, 0.4)))],
        ["resnet20", new ModelOptions(Neuron: new NeuronOptions(Surrogate: new AtanSurrogate(3)))],
        ["resnet34", new ModelOptions(Neuron: new NeuronOptions(Surrogate: new RectangularSurrogate(2)))],
        ["resnet18", new ModelOptions(Neuron: new NeuronOptions(Surrogate: new SigmoidSurrogate(5)))],
    ];

    [Theory]
    [MemberData(nameof(SpecOptions))]
    public void SpecJsonRoundTripsTheModelOptions(string name, ModelOptions options)
    {
        var spec = ModelSpec.From(name, options);
        var json = spec.ToJson();
        Assert.Contains("\"format\": \"spikekit-torch/1\"", json);
        Assert.Contains($"\"model\": \"{name}\"", json);
        var back = ModelSpec.Parse(json, "test.json");
        // The same options, with the neuron settings spelled out (null means the defaults).
        var n = options.NeuronOrDefault;
        Assert.Equal(options with { Neuron = n with { Surrogate = n.SurrogateOrDefault } }, back.ToModelOptions());
        Assert.Equal(json, back.ToJson());
    }

    [Fact]
    public void ASpecThatDoesNotDescribeTheModelIsRefusedNamingTheFile()
    {
        using var scope = NewDisposeScope();
        using var model = ModelZoo.Create("cnn", SmallCnn);
        var path = Path.Combine(Dir, "m.pt");
        void Refused(ModelSpec spec, string detail)
        {
            var e = Assert.Throws<ArgumentException>(() => PyTorchExport.Write(model, spec, path));
            Assert.StartsWith($"{path}: the spec does not describe the model (", e.Message);
            Assert.Contains(detail, e.Message);
            Assert.DoesNotContain("\n", e.Message);
        }
        var good = ModelSpec.From("cnn", SmallCnn);
        Refused(good with { Width = 1.0 }, "conv1.weight has shape");
        Refused(good with { Model = "vgg11" }, "model 'cnn', spec 'vgg11'");
        Refused(good with { TimeSteps = 2 }, "timesteps 4, spec 2");
        Refused(good with { Threshold = 0.4 }, "norm scale");
        Refused(good with { Norm = "bn" }, "norm scale 0.5, spec 1");
        Refused(good with { Reset = "soft" }, "reset Hard, spec Soft");
        Refused(good with { Surrogate = SurrogateSpec.From(new AtanSurrogate()) }, "surrogate");
        Refused(good with { Mpbn = true }, "the model lacks lif1.bn.weight");
        Assert.False(File.Exists(path));
    }

    [Fact]
    public void BadSpecFilesAndFormatsFailInOneLineNamingTheFile()
    {
        var path = Path.Combine(Dir, "bad.pt.json");
        var good = ModelSpec.From("cnn", new ModelOptions()).ToJson();
        void Bad(string json, string detail)
        {
            File.WriteAllText(path, json);
            var e = Assert.Throws<InvalidDataException>(() => ModelSpec.Read(path));
            Assert.StartsWith($"{path}: ", e.Message);
            Assert.Contains(detail, e.Message);
            Assert.DoesNotContain("\n", e.Message);
        }
        Bad("{ nope", "not a valid model spec");
        Bad(good.Replace("\"cnn\"", "\"resnet50\""), "model: unknown 'resnet50'");
        Bad(good.Replace("spikekit-torch/1", "spikekit-torch/9"), "format: 'spikekit-torch/9' is not 'spikekit-torch/1'");
        Bad(good.Replace("\"tanh\"", "\"relu\""), "unknown surrogate 'relu'");
        Bad(good.Replace("\"sharpness\"", "\"k\""), "surrogate tanh: unknown parameter 'k'");
        Bad(good.Replace("\"hard\"", "\"none\""), "reset: unknown 'none'");
        Bad(good.Replace("\"timeSteps\": 4", "\"timeSteps\": 0"), "timesteps must be >= 1");
        var e = Assert.Throws<ArgumentException>(() => PyTorchExport.FormatOf("/x/model.onnx"));
        Assert.Equal("/x/model.onnx: unknown export format '.onnx' (use .pt or .safetensors)", e.Message);
        Assert.Equal(ExportFormat.Pt, PyTorchExport.FormatOf("a.PT"));
        Assert.Equal(ExportFormat.Safetensors, PyTorchExport.FormatOf("a.safetensors"));
        Assert.Throws<NotSupportedException>(() => SurrogateSpec.From(new CustomSurrogate()));
    }

    sealed record CustomSurrogate : Surrogate
    {
        public override Tensor Primitive(Tensor x) => x.sigmoid();
        public override Tensor Derivative(Tensor x) => x.sigmoid();
        public override double Derivative(double x) => 0;
    }
}
