using System.CommandLine;
using SpikeKit.Cli.Displays;
using SpikeKit.Config;
using SpikeKit.Experiments;
using SpikeKit.Runs;

namespace SpikeKit.Cli;

/// <summary>
/// The <c>spikekit</c> command on System.CommandLine: <c>train</c>, <c>ablate</c>, <c>sweep</c>, <c>report</c>, <c>migrate</c>,
/// <c>data</c> (<see cref="DataCommand"/>), and on a run's saved model <c>eval</c> and <c>export</c> (<see cref="ModelCommands"/>).
/// Run settings come from the one option table (<see cref="SettingOptions"/>); <c>ablate</c>, <c>sweep --vary</c> and
/// <c>sweep SPEC</c> all become a <see cref="SweepPlan"/> that <see cref="SweepRunner"/> runs (<see cref="SweepExecution"/>).
/// A parse error is one line naming the option (with the nearest known name for a typo), exit code 2.
/// </summary>
static class SpikeKitCommand
{
    const string ExitCodeHelp = "Exit codes: 0 done, 1 data or runtime error (or a run that did not complete), 2 bad option or config, 3 loss became NaN.";

    public static int Run(string[] args)
    {
        var root = Build();
        var result = root.Parse(args);
        if (result.Errors.Count > 0) throw new UsageException(Describe(result));
        return result.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    static RootCommand Build()
    {
        var root = new RootCommand($"spikekit — spiking neural networks with RMP-Loss (Guo et al., ICCV 2023) on TorchSharp. {ExitCodeHelp}");
        foreach (var v in root.Options.OfType<VersionOption>().ToList()) root.Options.Remove(v);
        var version = new Option<bool>("--version") { Description = "print the versions of SpikeKit, TorchSharp, LibTorch and .NET" };
        root.Options.Add(version);
        root.SetAction(r =>
        {
            if (!r.GetValue(version)) return PrintRootHelp(root);
            Native.TorchNative.EnsureLoaded();
            var env = RunEnvironment.Current();
            Console.WriteLine($"spikekit {env.SpikeKit}" + (env.Commit is { } c ? $" (commit {c})" : "") + $" (TorchSharp {env.TorchSharp}, LibTorch {env.LibTorch}, {env.Dotnet})");
            return ExitCodes.Ok;
        });
        root.Subcommands.Add(Train());
        root.Subcommands.Add(Ablate());
        root.Subcommands.Add(Sweep());
        root.Subcommands.Add(Report());
        root.Subcommands.Add(Migrate());
        root.Subcommands.Add(ModelCommands.Eval());
        root.Subcommands.Add(ModelCommands.Export());
        root.Subcommands.Add(DataCommand.Build());
        return root;
    }

    static int PrintRootHelp(RootCommand root) => root.Parse("--help").Invoke();

    // ---- train ----

    static Command Train()
    {
        var cmd = new Command("train", "one training run into --out: metrics.csv, layers.csv, histograms.csv, timing.csv, summary.json, and the trained model (model.bin, model.json)");
        var outDir = new Option<string>("--out") { Description = "run folder [results/train]; one holding a run of the same config is " +
            "resumed (or left as it is when complete), one holding another run is refused unless --overwrite", HelpName = "DIR" };
        var overwrite = Flag("--overwrite", "replace the run files in --out (metrics, layers, histograms, timing, summary, checkpoint)");
        var quiet = Flag("--quiet", "no progress display");
        cmd.Options.Add(outDir);
        cmd.Options.Add(overwrite);
        cmd.Options.Add(quiet);
        var settings = new SettingOptions(cmd, new RunConfig());
        cmd.SetAction(r =>
        {
            var config = settings.Apply(r, new RunConfig()).Validate();
            var dir = r.GetValue(outDir) ?? Path.Combine("results", "train");
            if (r.GetValue(overwrite)) RunFolder.Clear(dir);
            var state = RunFolder.State(dir, config);
            if (state.HoldsOtherRun)
                throw new ConfigException("out", $"{dir} holds the results of another run; pass --overwrite to replace them, or another --out");
            if (state.Status == RunStatus.Completed)
                Console.Error.WriteLine($"{dir}: already complete with this config; nothing trained (--overwrite trains it again)");
            RunSummary summary = state.Summary is { Status: RunStatus.Completed } done ? done : Train(config, dir, r.GetValue(quiet));
            Console.WriteLine($"{config.Variant}: final test accuracy {100 * summary.FinalTestAccuracy:F2}% (best {100 * summary.BestTestAccuracy:F2}% at epoch {summary.BestEpoch}), " +
                              $"mean quantization error {summary.FinalMeanQuantizationError:F4}, mean firing rate {summary.FinalMeanFiringRate:F3}, {summary.WallSeconds:F0} s; results in {dir}");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    /// <summary>One run with a checkpoint after every epoch, so that a killed <c>train</c> run again resumes.</summary>
    static RunSummary Train(RunConfig config, string dir, bool quiet)
    {
        using var display = ConsoleDisplays.ForRun(quiet: quiet);
        return RunExecutor.Run(config, dir, display, checkpoints: true);
    }

    // ---- ablate ----

    static Command Ablate()
    {
        var cmd = new Command("ablate", "the same run once per loss variant and seed, as a sweep into --out, then the paper table " +
                                        "(the quick preset's values are shown; finished runs are never trained again)");
        var preset = new Option<string>("--preset") { Description = "starting config: quick (the README's main job) or paper [quick]", HelpName = "NAME" };
        preset.CompletionSources.Add([.. RunPresets.Names]);
        var variants = new Option<string>("--variants") { Description = $"comma list of loss variants: {string.Join(", ", RunConfig.Variants)} [baseline,rmp]", HelpName = "LIST" };
        var seeds = Seeds();
        var outDir = new Option<string>("--out") { Description = "sweep folder: sweep.json, <run-id>/ runs, report.md, tables.* [results/ablation]", HelpName = "DIR" };
        cmd.Options.Add(preset);
        cmd.Options.Add(variants);
        cmd.Options.Add(seeds);
        cmd.Options.Add(outDir);
        var exec = new SweepExecution(cmd);
        var settings = new SettingOptions(cmd, RunPresets.Quick, row => row.Name is not "variant");
        cmd.SetAction(r =>
        {
            var start = r.GetValue(preset) is { } p ? RunPresets.Get(p) : RunPresets.Quick;
            var config = settings.Apply(r, start);
            var names = (r.GetValue(variants) ?? "baseline,rmp").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            var dir = Path.GetFullPath(r.GetValue(outDir) ?? Path.Combine("results", "ablation"));
            var plan = SweepSpec.Ablation(config, names, ParseSeeds(r, seeds, config), PlanName(dir, "ablation")).Expand();
            return exec.Run(r, plan, dir);
        });
        return cmd;
    }

    // ---- sweep ----

    static Command Sweep()
    {
        var cmd = new Command("sweep", "every run of a sweep, crash-safe and resumable, N at a time or as a Slurm array, then the paper tables.\n" +
                                       "  sweep SPEC: a JSON sweep spec (docs/SWEEPS.md) or a preset (" + string.Join(", ", SweepSpec.PresetNames) + "), into --out/<name>/;\n" +
                                       "  sweep DIR: the sweep saved in DIR/sweep.json (resume it, or one run of it with --run-index);\n" +
                                       "  sweep --vary NAME=V1,V2,...: one run per value of one setting and seed (the quick preset's values are shown).");
        var spec = new Argument<string>("SPEC") { Description = "sweep spec file, preset name or sweep folder", Arity = ArgumentArity.ZeroOrOne };
        var outDir = new Option<string>("--out") { Description = "results root of SPEC's sweep [results]; the sweep folder itself with --vary [results/vary-NAME]", HelpName = "DIR" };
        var vary = new Option<string>("--vary") { Description = "the setting to vary and its values, e.g. rmp-lambda=0,0.1,0.5,1 (split on ';' when one is present, e.g. rmp-layers=all;0,1)", HelpName = "NAME=LIST" };
        var seeds = Seeds();
        var preset = new Option<string>("--preset") { Description = "starting config of --vary: quick or paper [quick]", HelpName = "NAME" };
        var limit = new Option<int?>("--limit") { Description = "smoke form of SPEC: at most N train and N test samples, 1 epoch, sweep name + \"-limitN\"", HelpName = "N" };
        cmd.Arguments.Add(spec);
        cmd.Options.Add(outDir);
        cmd.Options.Add(vary);
        cmd.Options.Add(seeds);
        cmd.Options.Add(preset);
        cmd.Options.Add(limit);
        var exec = new SweepExecution(cmd);
        var settings = new SettingOptions(cmd, RunPresets.Quick);
        cmd.SetAction(r =>
        {
            var given = settings.Given(r).Where(o => o.Name is not ("threads" or "device")).ToList();
            if (r.GetValue(vary) is { } v)
            {
                if (r.GetValue(spec) is { } extra) throw new UsageException($"unexpected argument '{extra}' (sweep --vary takes no SPEC)");
                int eq = v.IndexOf('=');
                if (eq <= 0) throw new UsageException("--vary needs NAME=V1,V2,... (e.g. --vary rmp-lambda=0,0.1,0.5,1)");
                var list = v[(eq + 1)..];
                var values = list.Split(list.Contains(';') ? ';' : ',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
                var config = settings.Apply(r, r.GetValue(preset) is { } p ? RunPresets.Get(p) : RunPresets.Quick);
                var name = v[..eq].TrimStart('-');
                var option = RunOptions.Find(name) ?? throw new UsageException($"--vary: unknown setting '{name}'{Nearest(name, RunOptions.All.Select(o => o.Name))} (settings: {string.Join(", ", RunOptions.All.Select(o => o.Name))})");
                var dir = Path.GetFullPath(r.GetValue(outDir) ?? Path.Combine("results", $"vary-{option.Name}"));
                var plan = SweepSpec.Vary(config, option.Name, values, ParseSeeds(r, seeds, config), PlanName(dir, $"vary-{option.Name}")).Expand();
                return exec.Run(r, plan, dir);
            }
            var source = r.GetValue(spec) ?? throw new UsageException("sweep needs a SPEC, a sweep folder or --vary NAME=V1,V2,... (see spikekit sweep --help)");
            if (given.Count > 0)
                throw new UsageException($"--{given[0].Name}: set it in the spec; sweep SPEC takes only --threads and --device of the run settings");
            if (r.GetResult(seeds) is { Implicit: false } || r.GetResult(preset) is { Implicit: false })
                throw new UsageException("--seeds and --preset go with --vary; a spec names its seeds in its grid");
            SweepPlan sweepPlan;
            string sweepDir;
            if (Directory.Exists(source) && File.Exists(Path.Combine(source, SweepPlan.FileName)))
            {
                if (r.GetValue(limit) is not null) throw new UsageException("--limit shrinks a spec; a saved sweep runs as planned");
                sweepDir = Path.GetFullPath(source);
                sweepPlan = SweepRunner.LoadPlan(sweepDir);
            }
            else
            {
                var loaded = SweepSpec.Load(source);
                if (r.GetValue(limit) is { } n) loaded = loaded.WithLimit(n);
                sweepPlan = loaded.Expand();
                sweepDir = Path.GetFullPath(SweepRunner.Folder(r.GetValue(outDir) ?? "results", sweepPlan));
            }
            if (settings.Given(r).FirstOrDefault(o => o.Name == "device") is { } dev)
            {
                var device = r.GetValue((Option<string>)cmd.Options.First(o => o.Name == "--device"))!;
                sweepPlan = sweepPlan with { Runs = sweepPlan.Runs.Select(run => run with { Config = dev.Apply(run.Config, device) }).ToList() };
            }
            return exec.Run(r, sweepPlan, sweepDir);
        });
        return cmd;
    }

    // ---- report, migrate ----

    static Command Report()
    {
        var cmd = new Command("report", "report.md and HTML charts for a result folder: accuracy and loss curves, quantization error, firing rate " +
                                        "and near-spike share per layer, membrane-potential distributions, accuracy and QE per variant, λ sensitivity; " +
                                        "a sweep folder also gets the paper table (tables.md, tables.tex, tables.html)");
        var dir = new Argument<string>("DIR") { Description = "a run folder, a sweep folder or any folder holding run folders" };
        var outDir = new Option<string>("--out") { Description = "where report.md, charts/ and tables.* go [DIR]", HelpName = "DIR" };
        var offline = Flag("--offline", "embed plotly.js in each chart file (~3.5 MB each) so they open without network");
        var images = Flag("--images", "also write every chart as a PNG (charts/*.png, shown in report.md); needs Chromium (SPIKEKIT_CHROMIUM or chromium on the PATH)");
        cmd.Arguments.Add(dir);
        cmd.Options.Add(outDir);
        cmd.Options.Add(offline);
        cmd.Options.Add(images);
        cmd.SetAction(r =>
        {
            var folder = r.GetValue(dir)!;
            if (!Directory.Exists(folder)) throw new UsageException($"{folder}: no such folder");
            if (r.GetValue(images) && Reporting.Plotting.ChartImage.Browser is null)
                throw new UsageException("--images: no Chromium or Chrome found (set SPIKEKIT_CHROMIUM, or install chromium)");
            var files = Reporting.ReportWriter.Write(folder, r.GetValue(outDir), r.GetValue(offline), r.GetValue(images));
            if (files.Incomplete is { } note) Console.Error.WriteLine($"spikekit: note: {note}");
            Console.WriteLine($"Wrote {files.Markdown} and {files.Charts.Count} charts in {Path.GetDirectoryName(files.Charts[0])}");
            if (files.Tables.Count > 0) Console.WriteLine($"Wrote the paper tables: {string.Join(", ", files.Tables)}");
            if (files.Images is { Count: > 0 } pngs) Console.WriteLine($"Wrote {pngs.Count} chart images (PNG) next to the charts");
            return ExitCodes.Ok;
        });
        return cmd;
    }

    static Command Migrate()
    {
        var cmd = new Command("migrate", "bring result folders made by SpikeKit 0.1 (ablate's <variant>/seed<s>/, sweep --vary's <name=value>/seed<s>/, " +
                                         "sweeps with the old run ids) to today's layout in place, so that no finished run is trained again");
        var dir = new Argument<string>("DIR") { Description = "a result folder, or a folder holding them" };
        cmd.Arguments.Add(dir);
        cmd.SetAction(r =>
        {
            foreach (var m in SweepMigration.Migrate(r.GetValue(dir)!))
                Console.WriteLine($"{m.SweepDir}: {m.Runs} runs in sweep.json, {m.Moved} run folders moved to their current ids" +
                                  (m.Unfinished > 0 ? $", {m.Unfinished} unfinished left in place (they will be trained again)" : ""));
            return ExitCodes.Ok;
        });
        return cmd;
    }

    // ---- shared ----

    /// <summary>The name of a sweep built in code: its folder's name (spaces made dashes), or <paramref name="fallback"/>.</summary>
    static string PlanName(string dir, string fallback)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(dir)).Replace(' ', '-');
        return name is "" or "." or ".." ? fallback : name;
    }

    internal static Option<bool> Flag(string name, string help) => new(name) { Description = $"{help} [false]", Arity = ArgumentArity.ZeroOrOne };

    static Option<string> Seeds() => new("--seeds") { Description = "comma list of seeds, one run per value and seed [the --seed value]", HelpName = "LIST" };

    static long[] ParseSeeds(ParseResult r, Option<string> seeds, RunConfig config)
    {
        var seed = RunOptions.Get("seed");
        return r.GetValue(seeds) is { } text
            ? text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(x => (long)seed.Parse(x)!).ToArray()
            : [config.Seed];
    }

    /// <summary>The first parse error as one line: an unknown option or verb with the nearest known name, a missing value.</summary>
    static string Describe(ParseResult result)
    {
        var command = result.CommandResult.Command;
        var see = command is RootCommand ? "see spikekit --help" : $"see spikekit {command.Name} --help";
        if (result.UnmatchedTokens.FirstOrDefault() is { } token)
        {
            if (token.StartsWith('-'))
            {
                var name = token.Split('=')[0];
                var known = command.Options.Select(o => o.Name).Concat(command.Options.SelectMany(o => o.Aliases)).Where(n => n.StartsWith("--", StringComparison.Ordinal));
                return $"unknown option '{name}'{Nearest(name, known)} ({see})";
            }
            if (command is RootCommand)
                return $"unknown verb '{token}'{Nearest(token, command.Subcommands.Select(c => c.Name))} ({see})";
            return $"unexpected argument '{token}' ({see})";
        }
        var error = result.Errors[0].Message;
        // "Required argument missing for option: '--out'." -> "--out needs a value"
        var missing = System.Text.RegularExpressions.Regex.Match(error, "option: '(--[^']+)'");
        if (missing.Success && error.Contains("missing", StringComparison.OrdinalIgnoreCase)) return $"{missing.Groups[1].Value} needs a value ({see})";
        return $"{error.TrimEnd('.')} ({see})";
    }

    /// <summary>"; did you mean 'X'?" for the known name nearest to <paramref name="name"/> (at most a third of it changed), else "".</summary>
    internal static string Nearest(string name, IEnumerable<string> known)
    {
        var best = known.Distinct().Select(k => (Name: k, Distance: Levenshtein(name, k))).OrderBy(k => k.Distance).ThenBy(k => k.Name, StringComparer.Ordinal).FirstOrDefault();
        return best.Name is not null && best.Distance <= Math.Max(2, name.Length / 3) ? $"; did you mean '{best.Name}'?" : "";
    }

    static int Levenshtein(string a, string b)
    {
        var d = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) d[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            int prev = d[0];
            d[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int tmp = d[j];
                d[j] = Math.Min(Math.Min(d[j] + 1, d[j - 1] + 1), prev + (a[i - 1] == b[j - 1] ? 0 : 1));
                prev = tmp;
            }
        }
        return d[b.Length];
    }
}
