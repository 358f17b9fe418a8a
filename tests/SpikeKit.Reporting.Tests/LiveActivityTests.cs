using SpikeKit.Data;
using SpikeKit.Experiments;
using SpikeKit.Layers;
using SpikeKit.Models;
using SpikeKit.Neurons;
using SpikeKit.Probes;
using SpikeKit.Reporting.Frames;
using SpikeKit.Reporting.Plotting;
using TorchSharp;
using static TorchSharp.torch;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Reporting.Tests;

/// <summary>Live activity of a model on one input (spike raster, membrane trace) and a sweep run end to end.</summary>
public class LiveActivityTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-live-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void LayerTraceRecordsPotentialsAndSpikesOfOneSample()
    {
        set_num_threads(1);
        manual_seed(1);
        var (train, test) = SyntheticDataset.Create(16, 8, seed: 1);
        using (train) using (test)
        using (var model = new SpikingCnn(new ModelOptions(TimeSteps: 3, Width: 0.25, Classes: 4)))
        {
            var trace = LayerTrace.Record(model, test, index: 2, layer: "lif2", maxNeurons: 50);
            Assert.Equal("lif2", trace.Layer);
            Assert.Equal(3, trace.TimeSteps);
            Assert.Equal(16 * 14 * 14, trace.LayerSize);               // 64·0.25 channels at 14×14
            Assert.Equal(50, trace.NeuronCount);
            Assert.Equal(2, trace.Sample);
            Assert.Equal(test.Labels[2].item<long>(), trace.Label);
            Assert.Equal(Enumerable.Range(0, 50).Select(i => i * 3136 / 50), trace.Neurons);
            for (int t = 0; t < 3; t++)
                for (int n = 0; n < 50; n++)
                {
                    Assert.True(trace.Spikes[t, n] is 0f or 1f);
                    if (Math.Abs(trace.Potential[t, n] - 0.5f) > 1e-6) Assert.Equal(trace.Potential[t, n] > 0.5f, trace.Spikes[t, n] == 1f);
                }
            Assert.True(model.training, "train mode restored");
            var raster = Charts.SpikeRaster(trace);
            int spikes = trace.Spikes.Cast<float>().Count(s => s == 1f);
            var json = System.Text.Json.JsonDocument.Parse(Plotly.NET.GenericChart.toJson(raster)).RootElement.GetProperty("data")[0];
            Assert.Equal(spikes, json.GetProperty("x").GetArrayLength());
            var mt = System.Text.Json.JsonDocument.Parse(Plotly.NET.GenericChart.toJson(Charts.MembraneTrace(trace, 3))).RootElement.GetProperty("data");
            Assert.Equal(3, mt.GetArrayLength());
            var ys = mt[0].GetProperty("y").EnumerateArray().Select(x => x.GetDouble()).ToArray();
            Assert.Equal(3, ys.Length);
            for (int t = 0; t < 3; t++) Assert.Equal(trace.Potential[t, 3], ys[t], 6);
            Assert.Throws<ArgumentException>(() => LayerTrace.Record(model, test, layer: "nope"));
        }
    }

    [Fact]
    public void SequentialNetworkFromPrimitivesRunsAndExposesItsNeurons()
    {
        manual_seed(0);
        using var model = new SequentialSpikingNetwork("tiny", 2,
            ("conv1", new TimeDistributed(nn.Conv2d(1, 4, 3, padding: 1, bias: false))),
            ("norm1", new ThresholdDependentBatchNorm(4, threshold: 0.5)),
            ("lif1", new LifNeuron()),
            ("pool1", new TimeDistributed(nn.AvgPool2d(2))),
            ("fc", new TimeDistributed(nn.Sequential(nn.Flatten(), nn.Linear(4 * 14 * 14, 10)))));
        using var x = randn(5, 1, 28, 28);
        using var y = model.forward(x);
        Assert.Equal([2L, 5, 10], y.shape);
        Assert.Equal(["body.lif1"], model.Neurons.Select(n => n.Name));
    }

    [Fact]
    public void ArmsRunAsASweepAndLoadAsAResultSet()
    {
        var baseConfig = new RunConfig { Dataset = "synthetic", TrainLimit = 64, TestLimit = 32, Epochs = 1, BatchSize = 32, Width = 0.25, TimeSteps = 2, Threads = 1, Variant = "rmp" };
        var arms = new[] { new SweepArm("rmp-lambda=0", baseConfig with { RmpLambda = 0 }), new SweepArm("rmp-lambda=1", baseConfig with { RmpLambda = 1 }) };
        var plan = SweepSpec.FromArms("arms", arms, [0]).Expand();
        Assert.Equal(["rmp-lambda=0", "rmp-lambda=1"], plan.Runs.Select(r => r.Labels["arm"]));
        var outcome = SweepRunner.RunAll(_dir, plan);
        Assert.True(outcome.AllComplete);
        Assert.True(File.Exists(Path.Combine(_dir, plan.Runs[1].Id, "summary.json")));
        var rs = ResultSet.Load(_dir);
        Assert.Equal(["rmp-lambda=0", "rmp-lambda=1"], rs.Variants);
        Assert.Equal(new[] { 0.0, 1.0 }, rs.LambdaSweep().GetColumn<double>("lambda").Values);
        Assert.Throws<ConfigException>(() => SweepSpec.FromArms("arms", [arms[0], arms[0]], [0]));
        Assert.Throws<ConfigException>(() => SweepSpec.FromArms("arms", [], [0]));
    }
}
