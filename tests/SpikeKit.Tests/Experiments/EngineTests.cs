using SpikeKit.Config;
using SpikeKit.Experiments;
using SpikeKit.Runs;

namespace SpikeKit.Tests.Experiments;

/// <summary>
/// The one engine: ablations and one-axis sweeps are sweep plans built in code that SweepRunner runs like any spec; the
/// completion rule ignores threads; result folders of SpikeKit 0.1 are migrated so nothing finished trains again.
/// </summary>
public class EngineTests() : TempFolderTests("spikekit-engine-")
{
    static readonly RunConfig Tiny = new()
    {
        Dataset = "synthetic", TrainLimit = 64, TestLimit = 32, Epochs = 1, BatchSize = 32, Width = 0.25, TimeSteps = 2, Threads = 1,
    };

    static int Started(string sweepDir) => File.ReadAllLines(Path.Combine(sweepDir, SweepRunner.LogFile)).Count(l => l.Contains(" started "));

    [Fact]
    public void AblationIsAPlanOfVariantsAndSeeds()
    {
        var plan = SweepSpec.Ablation(Tiny, ["baseline", "rmp"], [0, 1], "abl").Expand();
        Assert.Equal(["baseline", "baseline", "rmp", "rmp"], plan.Runs.Select(r => r.Config.Variant));
        Assert.Equal([0L, 1, 0, 1], plan.Runs.Select(r => r.Config.Seed));
        Assert.Equal(["variant"], plan.Table.Columns);
        Assert.Equal("baseline", plan.Table.Baseline);
        Assert.Matches("^rmp-s1-[0-9a-f]{8}$", plan.Runs[3].Id);
        Assert.Equal("variants", Assert.Throws<ConfigException>(() => SweepSpec.Ablation(Tiny, ["nope"], [0])).Field);
        Assert.Equal("seeds", Assert.Throws<ConfigException>(() => SweepSpec.Ablation(Tiny, ["rmp"], [])).Field);
    }

    [Fact]
    public void VaryIsAPlanOfOneSettingsValues()
    {
        var plan = SweepSpec.Vary(Tiny with { Variant = "rmp" }, "rmp-lambda", ["0", "0.5"], [3]).Expand();
        Assert.Equal("vary-rmp-lambda", plan.Name);
        Assert.Equal([0.0, 0.5], plan.Runs.Select(r => r.Config.RmpLambda));
        Assert.All(plan.Runs, r => Assert.Equal(3, r.Config.Seed));
        Assert.Equal(["rmpLambda"], plan.Table.Rows);
        Assert.Equal("rmp-lambda: 'x' is not a number", Assert.Throws<ConfigException>(() => SweepSpec.Vary(Tiny, "rmp-lambda", ["x"], [0])).Message);
        Assert.Equal("vary", Assert.Throws<ConfigException>(() => SweepSpec.Vary(Tiny, "seed", ["1"], [0])).Field);
    }

    [Fact]
    public void AnAblationRunAgainWithOtherThreadsTrainsNothing()
    {
        var dir = Path.Combine(Dir, "abl");
        var first = SweepRunner.RunAll(dir, SweepSpec.Ablation(Tiny, ["baseline", "rmp"], [0], "abl").Expand());
        Assert.True(first.AllComplete);
        Assert.Equal(2, Started(dir));
        var again = SweepRunner.RunAll(dir, SweepSpec.Ablation(Tiny with { Threads = 2 }, ["baseline", "rmp"], [0], "abl").Expand(), new SweepOptions(Threads: 2));
        Assert.True(again.AllComplete);
        Assert.Equal(2, Started(dir));
    }

    /// <summary>Turns a sweep folder made by today's engine into what SpikeKit 0.1's <c>ablate</c> wrote:
    /// <c>&lt;variant&gt;/seed&lt;s&gt;/</c> run folders beside <c>ablation.csv</c>, no sweep.json.</summary>
    static void ToLegacyAblation(string dir, SweepPlan plan)
    {
        foreach (var run in plan.Runs)
        {
            var target = Path.Combine(dir, run.Config.Variant, $"seed{run.Config.Seed}");
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            Directory.Move(Path.Combine(dir, run.Id), target);
        }
        File.Delete(Path.Combine(dir, SweepPlan.FileName));
        File.WriteAllText(Path.Combine(dir, "ablation.csv"), "variant,seeds,final_acc\n");
    }

    [Fact]
    public void AnOldAblationFolderIsMigratedAndNotTrainedAgain()
    {
        var dir = Path.Combine(Dir, "old-ablation");
        var plan = SweepSpec.Ablation(Tiny, ["baseline", "rmp"], [0, 1], "old-ablation").Expand();
        SweepRunner.RunAll(dir, plan);
        var metrics = plan.Runs.Select(r => File.ReadAllText(Path.Combine(dir, r.Id, RunFiles.Metrics))).ToList();
        ToLegacyAblation(dir, plan);
        Assert.True(Directory.Exists(Path.Combine(dir, "rmp", "seed1")));

        var result = Assert.Single(SweepMigration.Migrate(dir));
        Assert.Equal((4, 4, 0), (result.Runs, result.Moved, result.Unfinished));
        Assert.False(Directory.Exists(Path.Combine(dir, "rmp")));
        var outcome = SweepRunner.RunAll(dir, plan);
        Assert.True(outcome.AllComplete);
        Assert.Equal(4, Started(dir)); // the first run's four starts; none after the migration
        Assert.Equal(metrics, plan.Runs.Select(r => File.ReadAllText(Path.Combine(dir, r.Id, RunFiles.Metrics))));
        Assert.Single(SweepMigration.Migrate(dir)); // twice is harmless
        Assert.True(SweepRunner.RunAll(dir, plan).AllComplete);
        Assert.Equal(4, Started(dir));
    }

    [Fact]
    public void AnOldSweepFolderWithOldIdsIsMigratedAndNotTrainedAgain()
    {
        var spec = SweepSpec.Parse("""
            { "name": "old", "base": { "dataset": "synthetic", "trainLimit": 64, "testLimit": 32, "epochs": 1, "batchSize": 32, "width": 0.25, "timeSteps": 2, "threads": 1 },
              "grid": { "variant": ["baseline", "rmp"], "seed": [0] } }
            """);
        var plan = spec.Expand();
        var dir = Path.Combine(Dir, "old");
        SweepRunner.RunAll(dir, plan);
        // SpikeKit 0.1 named each run folder with the hash of every field.
        string LegacyId(PlannedRun r) => r.Id[..^8] + r.Config.LegacyContentHash()[..8];
        foreach (var r in plan.Runs) Directory.Move(Path.Combine(dir, r.Id), Path.Combine(dir, LegacyId(r)));
        SweepRunner.WritePlan(dir, plan with { Runs = plan.Runs.Select(r => r with { Id = LegacyId(r) }).ToList() });
        Assert.All(plan.Runs, r => Assert.Equal(RunStatus.Pending, SweepRunner.Status(dir, r).Status));

        var result = Assert.Single(SweepMigration.Migrate(Dir));
        Assert.Equal(2, result.Moved);
        Assert.Equal(plan.Runs.Select(r => r.Id), SweepRunner.LoadPlan(dir).Runs.Select(r => r.Id));
        Assert.True(SweepRunner.RunAll(dir, plan).AllComplete);
        Assert.Equal(2, Started(dir));
    }
}
