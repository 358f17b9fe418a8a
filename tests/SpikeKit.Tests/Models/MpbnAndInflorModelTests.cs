using SpikeKit.Config;
using SpikeKit.Models;
using SpikeKit.Neurons;
using TorchSharp;
using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Models;

public class MpbnAndInflorModelTests
{
    public MpbnAndInflorModelTests() => SpikeKit.Native.TorchNative.EnsureLoaded();

    static (int Channels, int Size) Geometry(string name) => name == "cnn" ? (1, 28) : (3, 32);

    public static IEnumerable<object[]> Models() => ModelZoo.Names.Select(n => new object[] { n });

    [Theory]
    [MemberData(nameof(Models))]
    public void EveryModelBuildsMpbnAndRectifiedNeuronsFromItsOptions(string name)
    {
        using var scope = NewDisposeScope();
        var (channels, size) = Geometry(name);
        var neuron = new NeuronOptions(Reset: ResetMode.Soft, Rectifier: InflorRectifier.Paper);
        var options = new ModelOptions(TimeSteps: 2, Neuron: neuron, InputChannels: channels, InputSize: size, Classes: 5, Width: 0.125, Mpbn: true);
        using var model = ModelZoo.Create(name, options);
        Assert.All(model.Neurons, n => Assert.IsType<MpbnNeuron>(n.Neuron));
        Assert.All(model.Neurons, n => Assert.Equal(InflorRectifier.Paper, n.Neuron.Options.Rectifier));
        model.train();
        var y = model.forward(randn(3, channels, size, size));
        Assert.Equal(new long[] { 2, 3, 5 }, y.shape);
        y.mean().backward();
        Assert.All(model.Neurons, n => Assert.NotNull(((MpbnNeuron)n.Neuron).Weight.grad));
        using var plain = ModelZoo.Create(name, options with { Mpbn = false, Neuron = null });
        Assert.All(plain.Neurons, n => Assert.IsNotType<MpbnNeuron>(n.Neuron));
        // MPBN adds exactly γ and β per channel of every spiking layer.
        long extra = model.Neurons.Sum(n => 2 * ((MpbnNeuron)n.Neuron).Channels);
        Assert.Equal(plain.ParameterCount + extra, model.ParameterCount);
    }

    [Theory]
    [InlineData("cnn")]
    [InlineData("resnet20")]
    [InlineData("resnet19")]
    [InlineData("vgg11")]
    public void FoldedNetworkGivesBitIdenticalSpikesAndOutputsInEvalMode(string name)
    {
        using var scope = NewDisposeScope();
        manual_seed(21);
        var (channels, size) = Geometry(name);
        using var model = ModelZoo.Create(name, new ModelOptions(TimeSteps: 3, InputChannels: channels, InputSize: size, Classes: 4, Width: 0.125, Mpbn: true));
        var x = randn(8, channels, size, size);
        model.train();
        for (int i = 0; i < 3; i++) { using var s = NewDisposeScope(); model.forward(randn(8, channels, size, size)); }
        // Trained-looking BN parameters, some γ negative.
        using (no_grad())
            foreach (var (_, n) in model.Neurons)
            {
                var m = (MpbnNeuron)n;
                m.Weight.copy_(randn(m.Channels));
                m.Bias.copy_(randn(m.Channels).mul_(0.3));
            }
        model.eval();
        using var expectedOut = model.forward(x).detach().clone();
        var expected = model.Activity().Select(a => (Values(a.Spikes), Values(a.Potential))).ToList();
        Assert.Equal(model.Neurons.Count, MpbnNeuron.FoldAll(model));
        Assert.Contains(model.Neurons, n => ((MpbnNeuron)n.Neuron).FoldedSign!.Contains(-1f));
        using var actualOut = model.forward(x);
        var actual = model.Activity().Select(a => (Values(a.Spikes), Values(a.Potential))).ToList();
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(expected[i].Item1, actual[i].Item1);
            Assert.Equal(expected[i].Item2, actual[i].Item2);
        }
        Assert.Equal(Values(expectedOut), Values(actualOut));
        Assert.Contains(expected, e => e.Item1.Contains(1.0));
    }

    [Fact]
    public void RunConfigPassesTheOptionsToTheModelAndValidatesThem()
    {
        var c = new RunConfig { Mpbn = true, Rectifier = "inflor", Reset = "soft", RectifierSharpness = 4, RectifierCentre = 0.4 }.Validate();
        var m = c.ToModelOptions(1, 28, 10);
        Assert.True(m.Mpbn);
        Assert.Equal(new InflorRectifier(4, 0.4), m.NeuronOrDefault.Rectifier);
        Assert.Equal(ResetMode.Soft, m.NeuronOrDefault.Reset);
        Assert.False(new RunConfig().ToModelOptions(1, 28, 10).Mpbn);
        Assert.Null(new RunConfig().ToNeuronOptions().Rectifier);
        Assert.Equal("rectifier", Assert.Throws<ConfigException>(() => new RunConfig { Rectifier = "inflor" }.Validate()).Field);
        Assert.Equal("rectifier", Assert.Throws<ConfigException>(() => new RunConfig { Rectifier = "mpr" }.Validate()).Field);
        Assert.Equal("rectifier-centre", Assert.Throws<ConfigException>(() => new RunConfig { RectifierCentre = 1 }.Validate()).Field);
        Assert.Equal("rectifier-sharpness", Assert.Throws<ConfigException>(() => new RunConfig { RectifierSharpness = 0 }.Validate()).Field);
        // The option table and JSON spellings reach the same fields; defaults leave run ids as they were.
        var viaTable = new RunConfig().With("mpbn", "true").With("rectifier", "inflor").With("reset", "soft").With("rectifier-sharpness", "4");
        Assert.Equal((true, "inflor", 4.0), (viaTable.Mpbn, viaTable.Rectifier, viaTable.RectifierSharpness));
        Assert.Equal(new RunConfig().ContentHash(), new RunConfig { Mpbn = false, Rectifier = "none", RectifierSharpness = 3, RectifierCentre = 0.5 }.ContentHash());
        Assert.NotEqual(new RunConfig().ContentHash(), new RunConfig { Mpbn = true }.ContentHash());
    }
}
