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
            "--version" => Version(),
            var v => throw new UsageException($"unknown verb '{v}'"),
        };
    }

    static int Version()
    {
        Native.TorchNative.EnsureLoaded();
        var env = RunEnvironment.Current();
        Console.WriteLine($"spikekit {env.SpikeKit} (TorchSharp {env.TorchSharp}, LibTorch {env.LibTorch}, {env.Dotnet})");
        return 0;
    }

    sealed record Parsed(RunConfig Config, Dictionary<string, string> Extra, bool Help);

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
        bool quiet = parsed.Extra.TryGetValue("--quiet", out var q) && CliOption.Bool("--quiet", q);
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
        var seeds = parsed.Extra.TryGetValue("--seeds", out var s)
            ? s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(x => CliOption.Long("--seeds", x)).ToArray()
            : [config.Seed];
        var outDir = parsed.Extra.GetValueOrDefault("--out", Path.Combine("results", "ablation"));
        bool quiet = parsed.Extra.TryGetValue("--quiet", out var q) && CliOption.Bool("--quiet", q);
        var rows = Ablation.Run(config, variants, seeds, outDir,
            quiet ? null : c => new ConsoleProgress($"[{c.Variant} seed {c.Seed}] "));
        Console.WriteLine();
        Console.WriteLine(File.ReadAllText(Path.Combine(outDir, "ablation.md")));
        Console.WriteLine($"Results: {Path.GetFullPath(outDir)} ({rows.Count} variants)");
        return 0;
    }
}
