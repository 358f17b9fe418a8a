using SpikeKit.Experiments;

namespace SpikeKit.Tests.Experiments;

public class EventPresetTests
{
    [Fact]
    public void PaperCifar10DvsCarriesThePapersSettingAndNumbers()
    {
        var plan = SweepSpec.Load("paper-cifar10dvs").Expand();
        Assert.Equal(2 * 4 * 3, plan.Runs.Count);
        Assert.Contains("paper-cifar10dvs", SweepSpec.PresetNames);
        Assert.All(plan.Runs, r => Assert.Equal(("cifar10-dvs", 10, "number", 48, "9:1", true, 5, 0),
            (r.Config.Dataset, r.Config.TimeSteps, r.Config.Frames, r.Config.FrameSize, r.Config.EventSplit, r.Config.Flip, r.Config.Roll, r.Config.CropPadding)));
        Assert.Equal(["resnet19", "resnet20"], plan.Runs.Select(r => r.Config.Model).Distinct().Order());
        Assert.Equal(["baseline", "rmp", "tet", "tet+rmp"], plan.Runs.Select(r => r.Config.Variant).Distinct().Order());
        Assert.Equal([(76.20, "ResNet-19"), (75.60, "ResNet-20")], plan.Reference.Select(x => (x.Accuracy, x.Where["model"])));
        Assert.All(plan.Reference, x => Assert.Equal(("10", "rmp"), (x.Where["timeSteps"], x.Where["variant"])));
        Assert.All(plan.Runs, r => r.Config.Validate());
    }

    [Fact]
    public void CpuEventsRunsTheFourVariantsOnSimulatedEvents()
    {
        var plan = SweepSpec.Load("cpu-events").Expand();
        Assert.Equal(8, plan.Runs.Count);
        Assert.All(plan.Runs, r => Assert.Equal(("sim-fashion-mnist", "cnn", 4, 1000, 500, 2), (r.Config.Dataset, r.Config.Model, r.Config.TimeSteps, r.Config.TrainLimit, r.Config.TestLimit, r.Config.Roll)));
        Assert.Contains("SIMULATED", SweepSpec.Load("cpu-events").Description);
    }
}
