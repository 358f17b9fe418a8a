using SpikeKit.Config;

namespace SpikeKit.Tests.Config;

public class EventSettingsTests
{
    static string Refusal(RunConfig c) => Assert.Throws<ConfigException>(() => c.Validate()).Message;

    [Fact]
    public void EventSettingsAreCheckedAndNamedByTheirOption()
    {
        var dvs = new RunConfig { Dataset = "cifar10-dvs", Roll = 5, Flip = true, FrameSize = 48, Frames = "duration:30000", EventSplit = "tebn" };
        dvs.Validate();
        Assert.StartsWith("frames: unknown 'bins'", Refusal(dvs with { Frames = "bins" }));
        Assert.StartsWith("frame-size: must be 0", Refusal(dvs with { FrameSize = 2 }));
        Assert.StartsWith("event-split: unknown 'random'", Refusal(dvs with { EventSplit = "random" }));
        Assert.StartsWith("roll: must be >= 0", Refusal(dvs with { Roll = -1 }));
        Assert.StartsWith("crop-padding: cifar10-dvs is event data", Refusal(dvs with { CropPadding = 4 }));
        Assert.StartsWith("roll: applies to event data sets", Refusal(new RunConfig { Roll = 2 }));
        Assert.Contains("sim-fashion-mnist", Refusal(new RunConfig { Dataset = "dvs" }));
    }

    [Fact]
    public void TheEventSettingsParseFromTheOptionTableAndChangeNoDefaultRunId()
    {
        var c = new RunConfig().With("frames", "time").With("frame-size", "48").With("event-split", "tebn").With("roll", "5");
        Assert.Equal(("time", 48, "tebn", 5), (c.Frames, c.FrameSize, c.EventSplit, c.Roll));
        // Defaults are left out of the hash: a config that does not set them keeps its id.
        Assert.Equal(new RunConfig { Lr = 0.05 }.ContentHash(), (new RunConfig { Lr = 0.05 } with { Frames = "number", FrameSize = 0, EventSplit = "9:1", Roll = 0 }).ContentHash());
        Assert.NotEqual(new RunConfig().ContentHash(), (new RunConfig() with { EventSplit = "tebn" }).ContentHash());
    }
}
