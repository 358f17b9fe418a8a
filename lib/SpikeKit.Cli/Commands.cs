using System.Globalization;
using SpikeKit.Experiments;
using SpikeKit.Reporting;
using SpikeKit.Training;

namespace SpikeKit.Cli;

/// <summary>The <c>spikekit</c> verbs.</summary>
static class Commands
{
    const string Usage = """
        spikekit — spiking neural networks with RMP-Loss (Guo et al., ICCV 2023) on TorchSharp

        Usage:
          spikekit train  [options]     one training run into --out
          spikekit ablate [options]     the same run once per loss variant and seed, then a table
          spikekit sweep  SPEC [options]  every run of a sweep spec (JSON file or preset), resumable, parallel or
                                        emitted to Slurm, then paper tables (spikekit sweep --help)
          spikekit sweep  --vary NAME=V1,V2,... [options]
                                        one run per value of one option (and seed), then a table
          spikekit report DIR [--out DIR] [--offline BOOL]
                                        report.md and HTML charts for a run, ablation or sweep folder
          spikekit <verb> --help        the options of a verb

        Exit codes: 0 done, 1 data or runtime error, 2 bad option or config, 3 loss became NaN.
        """;

    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help") { Console.WriteLine(Usage); return 0; }
        var rest = args[1..];
        return args[0] switch
        {
            "train" => Train(rest),
            "ablate" => Ablate(rest),
            "sweep" => SweepVerb(rest),
            "report" => Report(rest),
            "--version" => Version(),
            var v => throw new UsageException($"unknown verb '{v}'"),
        };
    }

    static int Version()
    {
        Native.TorchNative.EnsureLoaded();
        var env = RunEnvironment.Current();
        Console.WriteLine($"spikekit {env.SpikeKit}" + (env.Commit is { } c ? $" (commit {c})" : "") + $" (TorchSharp {env.TorchSharp}, LibTorch {env.LibTorch}, {env.Dotnet})");
        return 0;
    }

    sealed record Parsed(RunConfig Config, Dictionary<string, string> Extra, bool Help)
    {
        /// <summary>--quiet (default false).</summary>
        public bool Quiet => Extra.TryGetValue("--quiet", out var q) && CliOption.Bool("--quiet", q);

        /// <summary>--seeds as a list (default: the config's seed).</summary>
        public long[] Seeds => Extra.TryGetValue("--seeds", out var s)
            ? s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(x => CliOption.Long("--seeds", x)).ToArray()
            : [Config.Seed];
    }

    /// <summary>Parses <c>--name value</c> pairs into the config; <paramref name="extra"/> names verb-specific options.</summary>
    static Parsed Parse(string[] args, RunConfig start, IReadOnlyDictionary<string, string> extra)
    {
        var config = start;
        var values = new Dictionary<string, string>();
        var byName = CliOption.RunOptions.ToDictionary(o => o.Name);
        // A preset applies first, whatever its position, so that explicit options override it.
        int p = Array.IndexOf(args, "--preset");
        if (p >= 0 && extra.ContainsKey("--preset"))
        {
            if (p + 1 >= args.Length) throw new UsageException("--preset needs a value");
            config = Presets.Get(args[p + 1]);
        }
        for (int i = 0; i < args.Length; i++)
        {
            var a = args[i];
            if (a is "-h" or "--help") return new Parsed(config, values, true);
            string name = a, value;
            int eq = a.IndexOf('=');
            if (a.StartsWith("--", StringComparison.Ordinal) && eq > 0) { name = a[..eq]; value = a[(eq + 1)..]; }
            else
            {
                if (!a.StartsWith("--", StringComparison.Ordinal)) throw new UsageException($"unexpected argument '{a}'");
                if (!byName.ContainsKey(a) && !extra.ContainsKey(a)) throw new UsageException($"unknown option '{a}'");
                if (i + 1 >= args.Length) throw new UsageException($"{a} needs a value");
                value = args[++i];
            }
            if (byName.TryGetValue(name, out var opt)) config = opt.Apply(config, value);
            else if (extra.ContainsKey(name)) values[name] = value;
            else throw new UsageException($"unknown option '{name}'");
        }
        return new Parsed(config, values, false);
    }

    static void PrintHelp(string verb, string summary, RunConfig defaults, IReadOnlyDictionary<string, string> extra)
    {
        Console.WriteLine($"spikekit {verb} — {summary}\n\nOptions (default in brackets):");
        foreach (var (name, help) in extra) Console.WriteLine($"  {name,-22} {help}");
        foreach (var o in CliOption.RunOptions)
            Console.WriteLine($"  {o.Name + " " + o.Value,-22} {o.Help} [{Convert.ToString(o.Current(defaults), CultureInfo.InvariantCulture)}]");
    }

    static readonly Dictionary<string, string> TrainExtra = new()
    {
        ["--out"] = "DIR  run folder for metrics.csv, layers.csv, histograms.csv, timing.csv, summary.json [results/train]",
        ["--quiet"] = "BOOL  no progress display [false]",
    };

    static int Train(string[] args)
    {
        var parsed = Parse(args, new RunConfig(), TrainExtra);
        if (parsed.Help)
        {
            PrintHelp("train", "one training run", new RunConfig(), TrainExtra);
            return 0;
        }
        var config = parsed.Config.Validate();
        var outDir = parsed.Extra.GetValueOrDefault("--out", Path.Combine("results", "train"));
        bool quiet = parsed.Quiet;
        var summary = ExperimentRunner.Run(config, outDir, quiet ? null : new ConsoleProgress());
        Console.WriteLine($"{config.Variant}: final test accuracy {100 * summary.FinalTestAccuracy:F2}% (best {100 * summary.BestTestAccuracy:F2}% at epoch {summary.BestEpoch}), " +
                          $"mean quantization error {summary.FinalMeanQuantizationError:F4}, mean firing rate {summary.FinalMeanFiringRate:F3}, {summary.WallSeconds:F0} s; results in {outDir}");
        return 0;
    }

    static readonly Dictionary<string, string> AblateExtra = new()
    {
        ["--preset"] = "NAME  starting config: quick (the README's main job) or paper [quick]",
        ["--variants"] = "LIST  comma list of loss variants: baseline, rmp, tet, tet+rmp, im, mpd [baseline,rmp]",
        ["--seeds"] = "LIST  comma list of seeds, one run per variant and seed [the --seed value]",
        ["--out"] = "DIR  ablation folder: <variant>/seed<s>/ runs, ablation.csv, ablation.md [results/ablation]",
        ["--quiet"] = "BOOL  no progress display [false]",
    };

    static int Ablate(string[] args)
    {
        var parsed = Parse(args, Presets.Quick, AblateExtra);
        if (parsed.Help)
        {
            PrintHelp("ablate", "the same run once per loss variant and seed, then a markdown table (quick preset shown)", Presets.Quick, AblateExtra);
            return 0;
        }
        var config = parsed.Config;
        var variants = parsed.Extra.GetValueOrDefault("--variants", "baseline,rmp")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var v in variants)
            if (!LossVariant.Names.Contains(v)) throw new ConfigException("variants", $"unknown variant '{v}' (known: {string.Join(", ", LossVariant.Names)})");
        var seeds = parsed.Seeds;
        var outDir = parsed.Extra.GetValueOrDefault("--out", Path.Combine("results", "ablation"));
        bool quiet = parsed.Quiet;
        var rows = Ablation.Run(config, variants, seeds, outDir,
            quiet ? null : c => new ConsoleProgress($"[{c.Variant} seed {c.Seed}] "));
        Console.WriteLine();
        Console.WriteLine(File.ReadAllText(Path.Combine(outDir, "ablation.md")));
        Console.WriteLine($"Results: {Path.GetFullPath(outDir)} ({rows.Count} variants)");
        return 0;
    }

    static readonly Dictionary<string, string> SweepExtra = new()
    {
        ["--preset"] = "NAME  starting config: quick or paper [quick]",
        ["--vary"] = "NAME=LIST  the option to vary and its values, e.g. rmp-lambda=0,0.1,0.5,1 (values split on ';' when one is present, e.g. rmp-layers=all;0,1)",
        ["--seeds"] = "LIST  comma list of seeds, one run per value and seed [the --seed value]",
        ["--out"] = "DIR  sweep folder: <name>=<value>/seed<s>/ runs, sweep.csv, sweep.md [results/sweep]",
        ["--quiet"] = "BOOL  no progress display [false]",
    };

    static int SweepVerb(string[] args)
    {
        if (args.Length > 0 && !args[0].StartsWith("--", StringComparison.Ordinal)) return SweepCommand.Run(args);
        if (args.Length > 0 && args[0] is "--help" or "-h")
        {
            Console.WriteLine(string.Format(CultureInfo.InvariantCulture, SweepCommand.Help, string.Join(", ", SweepSpec.PresetNames)));
            Console.WriteLine();
        }
        var parsed = Parse(args, Presets.Quick with { Variant = "rmp" }, SweepExtra);
        if (parsed.Help)
        {
            PrintHelp("sweep", "one run per value of one option and seed, then a markdown table (quick preset with --variant rmp shown)",
                Presets.Quick with { Variant = "rmp" }, SweepExtra);
            return 0;
        }
        if (!parsed.Extra.TryGetValue("--vary", out var vary) || vary.IndexOf('=') <= 0)
            throw new UsageException("sweep needs --vary NAME=V1,V2,... (e.g. --vary rmp-lambda=0,0.1,0.5,1)");
        var name = vary[..vary.IndexOf('=')].TrimStart('-');
        var option = CliOption.RunOptions.FirstOrDefault(o => o.Name == "--" + name)
            ?? throw new UsageException($"--vary: unknown option '{name}' (known: {string.Join(", ", CliOption.RunOptions.Select(o => o.Name[2..]))})");
        if (name is "seed" or "out") throw new UsageException($"--vary: '{name}' cannot be varied (use --seeds for seeds)");
        var list = vary[(vary.IndexOf('=') + 1)..];
        var values = list.Split(list.Contains(';') ? ';' : ',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (values.Length == 0) throw new UsageException("--vary needs at least one value");
        var arms = values.Select(v => new Sweep.Arm($"{name}={v.Replace('/', '_')}", option.Apply(parsed.Config, v))).ToList();
        var seeds = parsed.Seeds;
        var outDir = parsed.Extra.GetValueOrDefault("--out", Path.Combine("results", "sweep"));
        bool quiet = parsed.Quiet;
        var rows = Sweep.Run(arms, seeds, outDir, quiet ? null : c => new ConsoleProgress($"[{name}={option.Current(c)} seed {c.Seed}] "));
        Console.WriteLine();
        Console.WriteLine(File.ReadAllText(Path.Combine(outDir, "sweep.md")));
        Console.WriteLine($"Results: {Path.GetFullPath(outDir)} ({rows.Count} arms); spikekit report {outDir} draws the charts");
        return 0;
    }

    static int Report(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help")
        {
            Console.WriteLine("""
                spikekit report DIR [--out DIR] [--offline BOOL] — report.md and HTML charts for a result folder

                DIR is a run folder (train --out), an ablation folder (ablate --out) or a sweep folder (sweep --out), or any
                folder holding run folders. Writes report.md (summary table, per-layer table, runs, chart list) and charts/*.html:
                accuracy and loss curves, quantization error, firing rate and near-spike share per layer, membrane-potential
                distributions, accuracy and QE per variant, and λ sensitivity when the runs span several RMP-Loss λ. A folder
                with sweep.json also gets the paper table (mean ± std over seeds per row × column, Δ to the baseline column,
                published numbers) at the top of report.md and as tables.md, tables.tex (booktabs) and tables.html.

                Options:
                  --out DIR        where report.md, charts/ and tables.* go [DIR]
                  --offline BOOL   embed plotly.js in each chart file (~3.5 MB each) so they open without network [false]
                """);
            return 0;
        }
        var dir = args[0];
        if (dir.StartsWith("--", StringComparison.Ordinal)) throw new UsageException("report needs a folder: spikekit report DIR");
        string? outDir = null;
        bool offline = false;
        for (int i = 1; i < args.Length; i++)
        {
            var a = args[i];
            string key = a, value;
            int eq = a.IndexOf('=');
            if (eq > 0 && a.StartsWith("--", StringComparison.Ordinal)) { key = a[..eq]; value = a[(eq + 1)..]; }
            else if (i + 1 < args.Length) value = args[++i];
            else throw new UsageException($"{a} needs a value");
            switch (key)
            {
                case "--out": outDir = value; break;
                case "--offline": offline = CliOption.Bool("--offline", value); break;
                default: throw new UsageException($"unknown option '{key}' for report");
            }
        }
        if (!Directory.Exists(dir)) throw new UsageException($"{dir}: no such folder");
        var files = SpikeKit.Reporting.ReportWriter.Write(dir, outDir, offline);
        Console.WriteLine($"Wrote {files.Markdown} and {files.Charts.Count} charts in {Path.GetDirectoryName(files.Charts[0])}");
        if (files.Tables.Count > 0) Console.WriteLine($"Wrote the paper tables: {string.Join(", ", files.Tables)}");
        return 0;
    }
}
