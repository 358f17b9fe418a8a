using SpikeKit.Layers;
using SpikeKit.Models;
using SpikeKit.Probes;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Probes;

/// <summary>SOPs and energy of the reference CNN on a tiny input whose spikes are known: with every convolution weight zero,
/// each LIF's input is its BN's β, so β = 1 (above V_th = 0.5, hard reset) fires at every step and β = −1 never.</summary>
public class SynapticOperationsTests
{
    // Width 1/16: conv1 1→2, conv2 2→4; input 1×8×8; T = 2; 10 classes.
    static (SpikingCnn Model, IReadOnlyList<LayerStatistics> Layers) Measured(double beta1, double beta2)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        var model = new SpikingCnn(new ModelOptions(TimeSteps: 2, InputChannels: 1, InputSize: 8, Classes: 10, Width: 1.0 / 16));
        var g = model.Graph();
        using (no_grad())
        {
            foreach (var conv in g.Nodes.Where(n => n.Op == GraphOp.Conv)) ((TorchSharp.Modules.Conv2d)conv.Module!).weight!.zero_();
            g["conv1"].Norm!.bias.fill_(beta1);
            g["conv2.inner"].Norm!.bias.fill_(beta2);
        }
        model.eval();
        var probe = new ActivityProbe();
        using (no_grad()) { model.forward(randn(3, 1, 8, 8)); probe.Accumulate(model.Activity()); }
        return (model, probe.Snapshot());
    }

    [Fact]
    public void HandCountWhenEveryNeuronFires()
    {
        var (model, layers) = Measured(1, 1);
        using var _ = model;
        Assert.All(layers, l => Assert.Equal(1.0, l.FiringRate));
        var e = SynapticOperations.Estimate(model.Graph(), model.TimeSteps, layers);
        // lif1: T·C·H·W = 2·2·8·8 = 256 spikes; each reaches (through the 2×2 pool) conv2's 4 channels × 3×3 = 36 synapses.
        Assert.Equal(256, e.Layers[0].Spikes);
        Assert.Equal(36, e.Layers[0].FanOut);
        Assert.Equal(9216, e.Layers[0].SynapticOps);
        // lif2: 2·4·4·4 = 128 spikes; each reaches (pool, flatten) the 10 outputs of the classifier.
        Assert.Equal(128, e.Layers[1].Spikes);
        Assert.Equal(1280, e.Layers[1].SynapticOps);
        Assert.Equal(10496, e.SynapticOps);
        // conv1 reads the image: 2·8·8 outputs × 1 input channel × 9 = 1152 MACs, once (static input).
        Assert.Equal(1152, e.Macs);
        // The ANN: conv1 1152 + conv2 4·4·4 × 2·9 = 1152 + linear 16·10 = 160.
        Assert.Equal(2464, e.AnnMacs);
        TestUtil.Close((4.6 * 1152 + 0.9 * 10496) * 1e-6, e.EnergyMicrojoules, 1e-15, "SNN energy (µJ)");
        TestUtil.Close(4.6 * 2464 * 1e-6, e.AnnEnergyMicrojoules, 1e-15, "ANN energy (µJ)");
    }

    [Fact]
    public void ASilentLayerCostsNothing()
    {
        var (model, layers) = Measured(1, -1);
        using var _ = model;
        Assert.Equal(0.0, layers[1].FiringRate);
        var e = SynapticOperations.Estimate(model.Graph(), model.TimeSteps, layers);
        Assert.Equal(0, e.Layers[1].SynapticOps);
        Assert.Equal(9216, e.SynapticOps);
        Assert.Equal(1152, e.Macs); // unchanged by spikes
        // With time-varying input the first layer runs at every timestep.
        Assert.Equal(2 * 1152, SynapticOperations.Estimate(model.Graph(), model.TimeSteps, layers, staticInput: false).Macs);
    }
}
