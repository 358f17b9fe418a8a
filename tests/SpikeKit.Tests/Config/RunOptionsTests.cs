using System.Text.Json;
using System.Text.Json.Nodes;
using SpikeKit.Config;
using SpikeKit.Experiments;

namespace SpikeKit.Tests.Config;

/// <summary>The one option table and the run ids built on RunConfig's content hash.</summary>
public class RunOptionsTests
{
    [Fact]
    public void EverySettableFieldHasExactlyOneRow()
    {
        var settable = typeof(RunConfig).GetProperties().Where(p => p.SetMethod is not null).Select(p => p.Name).Order().ToList();
        Assert.Equal(settable, RunOptions.All.Select(o => o.Property.Name).Order().ToList());
        Assert.Equal(RunOptions.All.Count, RunOptions.All.Select(o => o.Name).Distinct().Count());
        foreach (var o in RunOptions.All)
        {
            Assert.Same(o, RunOptions.Find("--" + o.Name));
            Assert.Same(o, RunOptions.Find(o.JsonName));
            Assert.Same(o, RunOptions.Find(o.Property.Name));
            Assert.Equal(o.Property.GetValue(new RunConfig()), o.Default);
        }
    }

    [Fact]
    public void ParsesAndSetsLikeTheCommandLine()
    {
        var c = new RunConfig();
        Assert.Equal(0.3, c.With("rmp-lambda", "0.3").RmpLambda);
        Assert.Equal(0.3, c.With("rmpLambda", 0.3).RmpLambda);
        Assert.Equal(6, c.With("timesteps", 6L).TimeSteps);
        Assert.Null(c.With("train-limit", 100).With("train-limit", "all").TrainLimit);
        Assert.False(c.With("rmp-clip", "false").RmpClip);
        Assert.Equal("epochs: 'three' is not an integer", Assert.Throws<ConfigException>(() => c.With("epochs", "three")).Message);
        Assert.Equal("flip: 'maybe' is not true or false", Assert.Throws<ConfigException>(() => c.With("flip", "maybe")).Message);
        Assert.Equal("epochs", Assert.Throws<ConfigException>(() => c.With("epochs", 2.5)).Field);
        Assert.StartsWith("colour: unknown setting", Assert.Throws<ConfigException>(() => c.With("colour", 1)).Message);
        Assert.Equal(0.5, c.RmpLambda); // records stay immutable
    }

    /// <summary>
    /// A field added to RunConfig later, with a default, must change no existing run id. Ids hash only the fields that differ
    /// from the defaults, so such a field (present in every config's JSON at its default) drops out: here every run of every
    /// preset hashes the same with an extra defaulted field in both the config and the defaults, and differently once a run
    /// sets it to something else.
    /// </summary>
    [Fact]
    public void ADefaultedNewFieldChangesNoRunId()
    {
        var defaults = JsonSerializer.SerializeToNode(new RunConfig(), JsonSettings.Options)!.AsObject();
        var withField = (JsonObject)defaults.DeepClone();
        withField["futureKnob"] = 7;
        foreach (var preset in SweepSpec.PresetNames)
            foreach (var run in SweepSpec.Load(preset).Expand().Runs)
            {
                var node = JsonSerializer.SerializeToNode(run.Config, JsonSettings.Options)!.AsObject();
                Assert.Equal(run.Config.ContentHash(), RunConfig.ContentHash(node, defaults));
                node["futureKnob"] = 7;
                Assert.Equal(run.Config.ContentHash(), RunConfig.ContentHash(node, withField));
                node["futureKnob"] = 8;
                Assert.NotEqual(run.Config.ContentHash(), RunConfig.ContentHash(node, withField));
            }
    }

    [Fact]
    public void IdsDependOnWhatARunComputesOnly()
    {
        var c = new RunConfig { Dataset = "synthetic", Variant = "rmp" };
        Assert.Equal(c.ContentHash(), (c with { Threads = 2, Device = "auto" }).ContentHash());
        Assert.NotEqual(c.ContentHash(), (c with { RmpLambda = 0.25 }).ContentHash());
        Assert.NotEqual(c.ContentHash(), c.LegacyContentHash());
        // The defaults hash as the empty object.
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("{}"u8.ToArray())), new RunConfig().ContentHash());
    }
}
