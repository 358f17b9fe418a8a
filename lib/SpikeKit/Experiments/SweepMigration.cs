using System.Globalization;
using System.Text.RegularExpressions;
using SpikeKit.Config;
using SpikeKit.Runs;

namespace SpikeKit.Experiments;

/// <summary>What <see cref="SweepMigration.Migrate"/> did to one sweep folder.</summary>
/// <param name="SweepDir">The sweep folder.</param>
/// <param name="Runs">Runs in its plan now.</param>
/// <param name="Moved">Run folders renamed or moved to their current ids.</param>
/// <param name="Unfinished">Old run folders without a summary (a checkpoint only): they keep their checkpoint and resume.</param>
public sealed record MigrationResult(string SweepDir, int Runs, int Moved, int Unfinished);

/// <summary>
/// Brings result folders made by SpikeKit 0.1 (before one engine ran every sweep, and before run ids left defaulted fields out
/// of their hash) to today's layout, in place, so that nothing finished is trained again:
/// <list type="bullet">
/// <item>a sweep folder (<c>sweep.json</c>, runs in <c>&lt;labels&gt;-&lt;old hash&gt;/</c>): each run folder is renamed to its
/// current id and sweep.json rewritten;</item>
/// <item>an ablation or one-axis sweep folder (<c>ablation.csv</c> or <c>sweep.csv</c>, runs in <c>&lt;arm&gt;/seed&lt;s&gt;/</c>):
/// each run moves to <c>&lt;id&gt;/</c> under the axes <c>variant</c> (ablation) or the varied setting (<c>NAME=VALUE</c> arms)
/// and <c>seed</c>, exactly as <see cref="SweepSpec.Ablation"/> and <see cref="SweepSpec.Vary"/> name them, and a sweep.json
/// is written;</item>
/// <item>a folder holding such folders: each of them.</item>
/// </list>
/// Checkpoints keep the old hash as their key, which <see cref="RunExecutor"/> still accepts. Running it twice changes nothing.
/// </summary>
public static partial class SweepMigration
{
    /// <summary>Migrates <paramref name="directory"/> (see the class summary) and returns what was done per sweep folder.</summary>
    /// <exception cref="DirectoryNotFoundException">When the folder does not exist or holds no result folder of a known layout.</exception>
    public static IReadOnlyList<MigrationResult> Migrate(string directory)
    {
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"{directory}: no such folder");
        var results = new List<MigrationResult>();
        void Visit(string dir, int depth)
        {
            if (File.Exists(Path.Combine(dir, SweepPlan.FileName))) results.Add(MigrateSweep(dir));
            else if (File.Exists(Path.Combine(dir, "ablation.csv")) || File.Exists(Path.Combine(dir, "sweep.csv"))) results.Add(MigrateArms(dir));
            else if (depth < 2)
                foreach (var sub in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal)) Visit(sub, depth + 1);
        }
        Visit(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory)), 0);
        if (results.Count == 0)
            throw new DirectoryNotFoundException($"{directory}: no sweep, ablation or one-axis sweep folder found (nothing to migrate)");
        return results;
    }

    static MigrationResult MigrateSweep(string dir)
    {
        var plan = SweepPlan.Load(Path.Combine(dir, SweepPlan.FileName));
        int moved = 0;
        var runs = plan.Runs.Select(r =>
        {
            var id = SweepSpec.RunId(r.Labels.Select(kv => (kv.Key, kv.Value)), r.Config);
            if (id != r.Id && Directory.Exists(Path.Combine(dir, r.Id)) && !Directory.Exists(Path.Combine(dir, id)))
            {
                Directory.Move(Path.Combine(dir, r.Id), Path.Combine(dir, id));
                moved++;
            }
            return r with { Id = id };
        }).ToList();
        var migrated = plan with { Runs = runs };
        SweepRunner.WritePlan(dir, migrated);
        return new MigrationResult(dir, runs.Count, moved, 0);
    }

    [GeneratedRegex(@"^seed(-?\d+)$")]
    private static partial Regex SeedFolder();

    static MigrationResult MigrateArms(string dir)
    {
        bool ablation = File.Exists(Path.Combine(dir, "ablation.csv"));
        var found = new List<(string Arm, long Seed, string Folder, RunSummary? Summary)>();
        foreach (var arm in Directory.EnumerateDirectories(dir).Order(StringComparer.Ordinal))
            foreach (var seedDir in Directory.EnumerateDirectories(arm).Order(StringComparer.Ordinal))
                if (SeedFolder().Match(Path.GetFileName(seedDir)) is { Success: true } m)
                {
                    var summaryPath = Path.Combine(seedDir, RunFiles.Summary);
                    RunSummary? summary = null;
                    if (File.Exists(summaryPath)) { try { summary = RunSummary.Load(summaryPath); } catch (InvalidDataException) { } }
                    found.Add((Path.GetFileName(arm), long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), seedDir, summary));
                }
        var runs = new List<PlannedRun>();
        string? axis = null;
        int moved = 0, unfinished = 0;
        foreach (var (arm, seed, folder, summary) in found)
        {
            if (summary is null) { unfinished++; continue; }
            string label;
            if (ablation) (axis, label) = ("variant", arm);
            else
            {
                int eq = arm.IndexOf('=');
                var option = eq > 0 ? RunOptions.Find(arm[..eq]) : null;
                if (option is null) { unfinished++; continue; }
                axis = option.JsonName;
                label = SweepSpecLabel(option, summary.Config);
            }
            var labels = new List<(string, string)> { (axis, label), ("seed", seed.ToString(CultureInfo.InvariantCulture)) };
            var id = SweepSpec.RunId(labels, summary.Config);
            var target = Path.Combine(dir, id);
            if (!Directory.Exists(target)) { Directory.Move(folder, target); moved++; }
            runs.Add(new PlannedRun(runs.Count, id, labels.ToDictionary(l => l.Item1, l => l.Item2), summary.Config));
        }
        foreach (var arm in Directory.EnumerateDirectories(dir).ToList())
            if (!Directory.EnumerateFileSystemEntries(arm).Any()) Directory.Delete(arm);
        if (runs.Count == 0) throw new InvalidDataException($"{dir}: no finished run to migrate");
        // Variants (or values) in their order of first appearance; seeds after.
        var order = runs.Select(r => r.Labels[axis!]).Distinct().ToList();
        runs = runs.OrderBy(r => order.IndexOf(r.Labels[axis!])).ThenBy(r => r.Config.Seed).Select((r, i) => r with { Index = i }).ToList();
        var table = ablation
            ? new SweepTable([], ["variant"], order.Contains("baseline") ? "baseline" : null)
            : new SweepTable([axis!], [], null);
        // Named as spikekit ablate / sweep --vary name a sweep whose --out is this folder.
        var plan = new SweepPlan(Path.GetFileName(dir).Replace(' ', '-'), ablation ? "Ablation (migrated)" : $"{axis} varied (migrated)", table, [], runs);
        SweepRunner.WritePlan(dir, plan);
        return new MigrationResult(dir, runs.Count, moved, unfinished);
    }

    /// <summary>The label <see cref="SweepSpec.Vary"/> gives the config's value of <paramref name="option"/>.</summary>
    static string SweepSpecLabel(RunOption option, RunConfig config) =>
        SweepSpec.LabelOf(System.Text.Json.JsonSerializer.SerializeToNode(option.Get(config), JsonSettings.Options), option.JsonName);
}
