using SpikeKit.Models;

namespace SpikeKit.Probes;

/// <summary>One spiking layer's share of an <see cref="EnergyEstimate"/>, per sample.</summary>
/// <param name="Layer">Module path of the spiking layer (as in <c>layers.csv</c>).</param>
/// <param name="Spikes">Spikes it emits over the T timesteps: firing rate · T · neurons.</param>
/// <param name="FanOut">Connections from one of its neurons to the next layers (<see cref="GraphNode.FanOut"/> summed over
/// the synaptic layers its spikes reach, plus 1 for each neuron they enter directly through a residual add).</param>
/// <param name="SynapticOps">SOPs its spikes cause: <c>Spikes · FanOut</c>.</param>
public sealed record LayerOperations(string Layer, double Spikes, double FanOut, double SynapticOps);

/// <summary>
/// Operations and energy of one inference on one sample, as SNN papers estimate them: the first layer sees real values and
/// costs multiply-accumulates (MACs); every later synaptic layer is fed by spikes and costs one accumulate (a synaptic
/// operation, SOP) per spike and connection.
/// </summary>
/// <param name="Layers">Per spiking layer, in forward order.</param>
/// <param name="Macs">MACs of the layer that reads the input (once for a static image, which the stem computes once; T times for time-varying input).</param>
/// <param name="SynapticOps">SOPs of all spiking layers.</param>
/// <param name="EnergyMicrojoules">SNN energy, <c>E_MAC·MACs + E_AC·SOPs</c>, in µJ.</param>
/// <param name="AnnMacs">MACs of the same architecture run as an ANN (every synaptic layer dense, once).</param>
/// <param name="AnnEnergyMicrojoules">ANN energy, <c>E_MAC·AnnMacs</c>, in µJ.</param>
public sealed record EnergyEstimate(IReadOnlyList<LayerOperations> Layers, double Macs, double SynapticOps, double EnergyMicrojoules,
    double AnnMacs, double AnnEnergyMicrojoules)
{
    /// <summary>ANN energy over SNN energy (how many times less the SNN is estimated to use).</summary>
    public double Saving => AnnEnergyMicrojoules / EnergyMicrojoules;
}

/// <summary>
/// Synaptic operations and the energy estimate of SNN papers, from measured firing rates and each layer's fan-out:
/// <code>
/// SOPs_l = r_l · T · N_l · fan-out_l           (r: firing rate, N: neurons of spiking layer l)
/// fan-out = C_out·k²/s² (convolution) | out (fully connected) | 1 (residual identity add), summed over the layers its spikes reach
/// E_SNN  = E_MAC · MACs(first layer) + E_AC · Σ_l SOPs_l,     E_ANN = E_MAC · Σ MACs(every synaptic layer)
/// </code>
/// with the 45 nm CMOS constants of Horowitz (ISSCC 2014) that most SNN papers use: E_AC = 0.9 pJ (32-bit float add),
/// E_MAC = 4.6 pJ (32-bit float multiply-accumulate). Pooling passes spikes on (a spike reaches one pooled neuron, whose
/// connections it then uses); convolution borders are not subtracted (the papers' convention).
/// </summary>
public static class SynapticOperations
{
    /// <summary>Energy of one accumulate (a SOP), 0.9 pJ (45 nm, Horowitz 2014).</summary>
    public const double AccumulatePicojoules = 0.9;

    /// <summary>Energy of one 32-bit float multiply-accumulate, 4.6 pJ (45 nm, Horowitz 2014).</summary>
    public const double MultiplyAccumulatePicojoules = 4.6;

    /// <summary>The estimate for a network whose spiking layers had the firing rates in <paramref name="layers"/> (those of an
    /// <see cref="ActivityProbe"/>; a layer without statistics counts as silent).</summary>
    /// <param name="graph">The network's graph (<see cref="SpikingNetwork.Graph"/>).</param>
    /// <param name="timeSteps">T.</param>
    /// <param name="layers">Per-layer statistics, matched to the graph's neurons by name.</param>
    /// <param name="staticInput">True when the input is a static image (the first layer then runs once, not T times).</param>
    public static EnergyEstimate Estimate(ModelGraph graph, int timeSteps, IReadOnlyList<LayerStatistics> layers, bool staticInput = true)
    {
        var rates = layers.ToDictionary(l => l.Layer, l => l.FiringRate);
        return Estimate(graph, timeSteps, name => rates.GetValueOrDefault(name), staticInput);
    }

    /// <summary>As <see cref="Estimate(ModelGraph, int, IReadOnlyList{LayerStatistics}, bool)"/>, with the firing rate of each
    /// spiking layer given by <paramref name="firingRate"/>.</summary>
    public static EnergyEstimate Estimate(ModelGraph graph, int timeSteps, Func<string, double> firingRate, bool staticInput = true)
    {
        if (timeSteps < 1) throw new ArgumentException($"timesteps must be >= 1, got {timeSteps}", nameof(timeSteps));
        var ops = new List<LayerOperations>();
        foreach (var n in graph.Nodes.Where(n => n.Op == GraphOp.Neuron))
        {
            double spikes = firingRate(n.Name) * timeSteps * n.Size;
            double fanOut = graph.SynapticTargets(n.Name).Sum(t => t.IsSynaptic ? t.FanOut : 1.0);
            ops.Add(new LayerOperations(n.Name, spikes, fanOut, spikes * fanOut));
        }
        double macs = graph.Consumers(GraphBuilder.InputName).Sum(n => n.DenseMacs) * (staticInput ? 1 : timeSteps);
        double sops = ops.Sum(o => o.SynapticOps);
        double annMacs = graph.Nodes.Sum(n => n.DenseMacs);
        return new EnergyEstimate(ops, macs, sops, Microjoules(MultiplyAccumulatePicojoules * macs + AccumulatePicojoules * sops),
            annMacs, Microjoules(MultiplyAccumulatePicojoules * annMacs));
    }

    static double Microjoules(double picojoules) => picojoules * 1e-6;
}
