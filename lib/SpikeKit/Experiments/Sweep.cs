using SpikeKit.Data;
using SpikeKit.Reporting;
using SpikeKit.Training;

namespace SpikeKit.Experiments;

/// <summary>
/// Runs named configurations ("arms": e.g. RMP-Loss at several λ, with and without clipping) once per seed into
/// <c>OUT/&lt;arm&gt;/seed&lt;seed&gt;/</c>, then writes <c>sweep.csv</c> and <c>sweep.md</c> with a row per arm (same columns
/// as <see cref="Ablation"/>'s table; Δ columns against an arm named <c>baseline</c> when there is one). A run whose folder
/// already holds a completed <c>summary.json</c> with the same config is not run again, and a killed run resumes from its last
/// epoch (<see cref="Training.Checkpoint"/>); arms with the same data settings
/// share the loaded data (streamed data sets such as imagenet are opened by each run).
/// </summary>
public static class Sweep
{
    /// <summary>One arm of a sweep.</summary>
    /// <param name="Name">Folder name and label (no path separators).</param>
    /// <param name="Config">Its configuration (the seed is replaced by each sweep seed).</param>
    public sealed record Arm(string Name, RunConfig Config);

    /// <summary>Runs every (arm, seed) pair and writes <c>&lt;table&gt;.csv</c> and <c>&lt;table&gt;.md</c>; returns the rows
    /// (arm name in <see cref="AblationRow.Variant"/>). <paramref name="caption"/> heads the markdown (default: a line naming the
    /// data, model, T, epochs and seeds of the first arm).</summary>
    /// <exception cref="ConfigException">For no arms, no seeds, duplicate or unusable arm names, or an invalid config.</exception>
    public static IReadOnlyList<AblationRow> Run(IReadOnlyList<Arm> arms, IReadOnlyList<long> seeds, string outDir,
        Func<RunConfig, ITrainingProgress?>? progress = null, string table = "sweep", string? caption = null)
    {
        if (arms.Count == 0) throw new ConfigException("arms", "at least one arm is needed");
        if (seeds.Count == 0) throw new ConfigException("seeds", "at least one seed is needed");
        var bad = arms.FirstOrDefault(a => a.Name.Length == 0 || a.Name is "." or ".." || a.Name.IndexOfAny(['/', '\\', '\0']) >= 0);
        if (bad is not null) throw new ConfigException("arms", $"'{bad.Name}' cannot be a folder name");
        var dup = arms.GroupBy(a => a.Name).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ConfigException("arms", $"arm '{dup.Key}' appears twice");
        foreach (var a in arms) _ = a.Config.Validate();

        var summaries = new List<(string Arm, RunSummary Summary)>();
        foreach (var seed in seeds)
        {
            var cache = new Dictionary<(string, string?, int?, int?), (ImageDataset, ImageDataset)>();
            try
            {
                foreach (var arm in arms)
                {
                    var config = arm.Config with { Seed = seed };
                    var dir = Ablation.RunDirectory(outDir, arm.Name, seed);
                    var done = Path.Combine(dir, "summary.json");
                    if (File.Exists(done) && RunSummary.Load(done) is { Status: "completed" } old && old.Config == config)
                    {
                        Console.Error.WriteLine($"{arm.Name} seed {seed}: already complete in {dir}, skipped");
                        summaries.Add((arm.Name, old));
                        continue;
                    }
                    var key = (config.Dataset, config.DataDir, config.TrainLimit, config.TestLimit);
                    (ImageDataset, ImageDataset)? data = null;
                    if (!Datasets.IsStreamed(config.Dataset)) // streamed sets (imagenet) are opened by each run
                    {
                        if (!cache.TryGetValue(key, out var loaded))
                            cache[key] = loaded = Datasets.Load(config.Dataset, config.DataDir, config.TrainLimit, config.TestLimit, seed);
                        data = loaded;
                    }
                    summaries.Add((arm.Name, ExperimentRunner.Run(config, dir, progress?.Invoke(config), data, checkpoints: true)));
                }
            }
            finally
            {
                foreach (var (train, test) in cache.Values) { train.Dispose(); test.Dispose(); }
            }
        }
        // Ablation's aggregation groups by the config's variant: relabel each summary with its arm.
        var order = arms.Select(a => a.Name).ToList();
        var rows = Ablation.Summarize(summaries.Select(s => s.Summary with { Config = s.Summary.Config with { Variant = s.Arm } }))
            .OrderBy(r => order.IndexOf(r.Variant)).ToList();
        var first = arms[0].Config;
        caption ??= $"Sweep of {arms.Count} arms on {first.Dataset}, model {first.Model}, T = {first.TimeSteps}, {first.Epochs} epochs, seeds {string.Join(",", seeds)}" +
                    (first.TrainLimit is { } tl ? $", train limit {tl}" : "") + ".";
        Ablation.WriteTable(rows, outDir, table, caption, table == "ablation" ? "variant" : "arm");
        return rows;
    }
}
