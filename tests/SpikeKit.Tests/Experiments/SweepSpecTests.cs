using SpikeKit.Experiments;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Tests.Experiments;

/// <summary>Sweep specs: expansion (grid, include, exclude), stable run ids, table layout, and errors that name the JSON path.</summary>
public class SweepSpecTests
{
    const string Spec = """
        {
          "name": "t",
          "base": { "dataset": "synthetic", "epochs": 2, "trainLimit": 64 },
          "grid": {
            "model": [ { "label": "CNN", "model": "cnn" }, { "label": "R20", "model": "resnet20", "width": 0.25 } ],
            "timeSteps": [2, 4],
            "variant": ["baseline", "rmp"],
            "seed": [0, 1]
          },
          "include": [ { "model": ["CNN"], "timeSteps": [8] } ],
          "exclude": [ { "model": "R20", "timeSteps": 4 } ],
          "reference": [ { "where": { "model": "CNN", "timeSteps": "4", "variant": "rmp" }, "accuracy": 90.5, "source": "test" } ]
        }
        """;

    [Fact]
    public void ExpandsGridPlusIncludeMinusExclude()
    {
        var plan = SweepSpec.Parse(Spec).Expand();
        // grid 2×2×2×2 = 16, minus R20 at T=4 (2 variants × 2 seeds = 4), plus CNN at T=8 (2 variants × 2 seeds = 4)
        Assert.Equal(16, plan.Runs.Count);
        Assert.Equal(Enumerable.Range(0, 16), plan.Runs.Select(r => r.Index));
        Assert.DoesNotContain(plan.Runs, r => r.Config.Model == "resnet20" && r.Config.TimeSteps == 4);
        Assert.Equal(4, plan.Runs.Count(r => r.Config.TimeSteps == 8 && r.Config.Model == "cnn"));
        var r20 = plan.Runs.First(r => r.Labels["model"] == "R20");
        Assert.Equal(0.25, r20.Config.Width);
        Assert.Equal("synthetic", r20.Config.Dataset);
        Assert.Equal(2, r20.Config.Epochs);
        Assert.Equal(64, r20.Config.TrainLimit);
        Assert.Equal(["model", "timeSteps", "variant", "seed"], plan.Runs[0].Labels.Keys);
        Assert.Equal(["model", "timeSteps"], plan.Table.Rows);
        Assert.Equal(["variant"], plan.Table.Columns);
        Assert.Equal("baseline", plan.Table.Baseline);
        Assert.Equal(90.5, Assert.Single(plan.Reference).Accuracy);
    }

    [Fact]
    public void RunIdsAreStableReadableAndIgnoreThreadsAndDevice()
    {
        var a = SweepSpec.Parse(Spec).Expand();
        var b = SweepSpec.Parse(Spec).Expand();
        Assert.Equal(a.Runs.Select(r => r.Id), b.Runs.Select(r => r.Id));
        Assert.Equal(a.Runs.Count, a.Runs.Select(r => r.Id).Distinct().Count());
        Assert.Matches("^CNN-T2-baseline-s0-[0-9a-f]{8}$", a.Runs[0].Id);
        var c = a.Runs[0].Config;
        Assert.Equal(c.ContentHash(), (c with { Threads = 7, Device = "auto" }).ContentHash());
        Assert.NotEqual(c.ContentHash(), (c with { RmpLambda = 0.25 }).ContentHash());
        Assert.NotEqual(SweepSpec.RunId([("variant", "x")], c), SweepSpec.RunId([("variant", "x")], c with { Lr = 0.05 }));
        // A spec that changes only the threads keeps every id, so its finished runs are reused.
        var threaded = SweepSpec.Parse(Spec.Replace("\"epochs\": 2,", "\"epochs\": 2, \"threads\": 3,")).Expand();
        Assert.Equal(a.Runs.Select(r => r.Id), threaded.Runs.Select(r => r.Id));
    }

    [Fact]
    public void LimitShrinksEveryRunAndRenamesTheSweep()
    {
        var plan = SweepSpec.Parse(Spec).WithLimit(16).Expand();
        Assert.Equal("t-limit16", plan.Name);
        Assert.All(plan.Runs, r => { Assert.Equal(16, r.Config.TrainLimit); Assert.Equal(16, r.Config.TestLimit); Assert.Equal(1, r.Config.Epochs); });
    }

    [Fact]
    public void PlanRoundTripsThroughSweepJson()
    {
        var plan = SweepSpec.Parse(Spec).Expand();
        var path = Path.Combine(Directory.CreateTempSubdirectory("spikekit-plan-").FullName, SweepPlan.FileName);
        plan.Save(path);
        var back = SweepPlan.Load(path);
        Assert.Equal(plan.Runs.Select(r => (r.Id, r.Config)), back.Runs.Select(r => (r.Id, r.Config)));
        Assert.Equal(plan.Runs[5].Labels, back.Runs[5].Labels);
        Directory.Delete(Path.GetDirectoryName(path)!, true);
    }

    [Theory]
    [InlineData("""{ "grid": { "timeSteps": [2, "four"] } }""", "$.grid.timeSteps[1]", "expected an integer")]
    [InlineData("""{ "grid": { "speed": [1, 2] } }""", "$.grid.speed[0]", "not a RunConfig field")]
    [InlineData("""{ "grid": {} }""", "$.grid", "empty grid")]
    [InlineData("""{ "grid": { "seed": [] } }""", "$.grid.seed", "no values")]
    [InlineData("""{ "base": { "epochs": 2 } }""", "$.grid", "missing")]
    [InlineData("""{ "base": { "lr": "fast" }, "grid": { "seed": [0] } }""", "$.base.lr", "expected a number")]
    [InlineData("""{ "base": { "wings": 2 }, "grid": { "seed": [0] } }""", "$.base.wings", "unknown field")]
    [InlineData("""{ "grid": { "model": ["cnn", "resnet99"] } }""", "$.grid.model[1]", "model: unknown 'resnet99'")]
    [InlineData("""{ "grid": { "variant": ["rmp"] }, "exclude": [ { "variant": "rmp" } ] }""", "$.exclude", "excludes every run")]
    [InlineData("""{ "grid": { "variant": ["rmp"] }, "exclude": [ { "colour": "red" } ] }""", "$.exclude[0].colour", "unknown axis")]
    [InlineData("""{ "grid": { "variant": ["rmp"] }, "table": { "rows": ["depth"] } }""", "$.table.rows[0]", "unknown axis")]
    [InlineData("""{ "grid": { "variant": ["rmp"] }, "reference": [ { "where": { "variant": "rmp" }, "accuracy": "high", "source": "x" } ] }""", "$.reference[0].accuracy", "expected a number")]
    [InlineData("""{ "grid": { "variant": ["rmp"] }, "table": { "baseline": "none" } }""", "$.table.baseline", "no column is labelled 'none'")]
    [InlineData("""{ "grid": { "variant": ["rmp"], "seed": [0] }, "table": { "rows": ["seed"], "columns": ["seed"] } }""", "$.table", "both a row and a column")]
    [InlineData("""{ "grid": { "variant": ["rmp"] }, "gird": {} }""", "$.gird", "unknown key")]
    [InlineData("""{ "grid": { "variant": ["rmp" }""", "$", "not valid JSON")]
    [InlineData("""{ "grid": { "variant": ["rmp"] }, "include": [ { "flavour": ["x"] } ] }""", "$.include[0].flavour", "unknown axis")]
    public void MalformedSpecNamesTheJsonPath(string json, string path, string problem)
    {
        var e = Assert.Throws<ConfigException>(() => SweepSpec.Parse(json));
        Assert.Equal(path, e.Field);
        Assert.Contains(problem, e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    [Fact]
    public void CommandLineSpellingsOfFieldsAreAccepted()
    {
        var plan = SweepSpec.Parse("""{ "base": { "train-limit": 32, "timesteps": 3 }, "grid": { "rmp-lambda": [0.1, 0.5] } }""").Expand();
        Assert.Equal([0.1, 0.5], plan.Runs.Select(r => r.Config.RmpLambda));
        Assert.All(plan.Runs, r => { Assert.Equal(32, r.Config.TrainLimit); Assert.Equal(3, r.Config.TimeSteps); });
        Assert.Equal("rmpLambda", plan.Runs[0].Labels.Keys.Single());
    }

    [Theory]
    [InlineData("cpu-ablation", 48)]
    [InlineData("paper-cifar10", 84)]
    [InlineData("paper-cifar100", 84)]
    [InlineData("paper-imagenet", 12)]
    public void PresetsExpand(string name, int runs)
    {
        var plan = SweepSpec.Load(name).Expand();
        Assert.Equal(name, plan.Name);
        Assert.Equal(runs, plan.Runs.Count);
        // Three seeds everywhere but ImageNet, whose runs take days of GPU each (its description says so).
        int seeds = name == "paper-imagenet" ? 1 : 3;
        Assert.Equal(seeds, plan.Runs.Select(r => r.Config.Seed).Distinct().Count());
        // …and every other combination of axis labels once per seed.
        Assert.Equal(runs / seeds, plan.Runs.Select(r => string.Join("|", r.Labels.Where(l => l.Key != "seed").OrderBy(l => l.Key).Select(l => l.Value))).Distinct().Count());
        Assert.Contains(name, SweepSpec.PresetNames);
    }

    [Fact]
    public void PaperPresetsCarryThePapersSettingsAndNumbers()
    {
        var c100 = SweepSpec.Load("paper-cifar100").Expand();
        var r19t4 = c100.Runs.First(r => r.Labels["model"] == "ResNet-19" && r.Labels["timeSteps"] == "4" && r.Labels["variant"] == "rmp");
        Assert.Equal(("cifar100", 128, 0.1, 0.9, 1e-4, 4, true), (r19t4.Config.Dataset, r19t4.Config.BatchSize, r19t4.Config.Lr, r19t4.Config.Momentum, r19t4.Config.WeightDecay, r19t4.Config.CropPadding, r19t4.Config.Flip));
        var refs = c100.Reference.Where(x => x.Where["model"] == "ResNet-19" && x.Where["variant"] == "rmp").OrderBy(x => x.Where["timeSteps"]).Select(x => x.Accuracy);
        Assert.Equal([74.66, 78.28, 78.98], refs);
        Assert.Equal(94.39, Assert.Single(SweepSpec.Load("paper-cifar10").Expand().Reference).Accuracy);
        var imagenet = SweepSpec.Load("paper-imagenet").Expand();
        var r34 = imagenet.Runs.Single(r => r.Labels["model"] == "ResNet-34" && r.Labels["variant"] == "rmp");
        Assert.Equal(("imagenet", "resnet34", 4, 320, 256, 0.1, 0.9, 1e-4, 0, true, "auto"),
            (r34.Config.Dataset, r34.Config.Model, r34.Config.TimeSteps, r34.Config.Epochs, r34.Config.BatchSize, r34.Config.Lr,
             r34.Config.Momentum, r34.Config.WeightDecay, r34.Config.CropPadding, r34.Config.Flip, r34.Config.Device));
        Assert.Equal([(65.17, "ResNet-34", "4", "rmp"), (64.71, "ResNet-34", "4", "mpbn")],
            imagenet.Reference.Select(x => (x.Accuracy, x.Where["model"], x.Where["timeSteps"], x.Where["variant"])));
        // The paper's comparison method: MPBN alone and with RMP-Loss.
        var mpbn = imagenet.Runs.Where(r => r.Config.Mpbn).Select(r => (r.Labels["model"], r.Labels["variant"], r.Config.Variant)).ToList();
        Assert.Equal([("ResNet-34", "mpbn", "baseline"), ("ResNet-34", "mpbn+rmp", "rmp"), ("ResNet-18", "mpbn", "baseline"), ("ResNet-18", "mpbn+rmp", "rmp")], mpbn);
        Assert.Contains("lr", SweepSpec.Load("paper-imagenet").Description);
    }
}
