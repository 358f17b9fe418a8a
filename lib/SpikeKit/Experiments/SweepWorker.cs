using System.Diagnostics;

namespace SpikeKit.Experiments;

/// <summary>
/// The program that trains one run of a sweep in a child process (<see cref="SweepRunner.RunAll"/> with more than one job):
/// the <c>spikekit</c> command, started as <c>FILE ARGS… sweep SWEEP-FOLDER --run-index I --threads N --quiet</c>.
/// Each run gets its own process because LibTorch's thread count and random generator are process-wide.
/// </summary>
/// <param name="FileName">The executable (the <c>spikekit</c> apphost, or <c>dotnet</c>).</param>
/// <param name="Arguments">Words before the verb (the path of <c>SpikeKit.Cli.dll</c> when <paramref name="FileName"/> is dotnet).</param>
public sealed record SweepWorker(string FileName, IReadOnlyList<string> Arguments)
{
    /// <summary>The CLI assembly's file name.</summary>
    public const string CliAssembly = "SpikeKit.Cli.dll";

    /// <summary>A worker that runs <paramref name="cliDll"/> (a built <c>SpikeKit.Cli.dll</c>) with the dotnet host.</summary>
    public static SweepWorker FromCliAssembly(string cliDll) => new(DotnetHost(), [Path.GetFullPath(cliDll)]);

    /// <summary>
    /// The worker found first of: the environment variable <c>SPIKEKIT_CLI</c> (a <c>SpikeKit.Cli.dll</c> or a <c>spikekit</c>
    /// executable); this process, when it is the CLI; <c>SpikeKit.Cli.dll</c> beside <c>SpikeKit.dll</c>; in a SpikeKit
    /// checkout, the CLI built beside the library (<c>lib/SpikeKit.Cli/bin/CONFIG/TFM/</c>); <c>spikekit</c> on the PATH
    /// (the installed .NET tool).
    /// </summary>
    /// <exception cref="InvalidOperationException">When none is found (the message says how to name one).</exception>
    public static SweepWorker Find()
    {
        if (Environment.GetEnvironmentVariable("SPIKEKIT_CLI") is { Length: > 0 } env)
            return env.EndsWith(".dll", StringComparison.OrdinalIgnoreCase) ? FromCliAssembly(env) : new SweepWorker(env, []);
        var entry = System.Reflection.Assembly.GetEntryAssembly();
        if (entry?.GetName().Name == "SpikeKit.Cli" && Environment.ProcessPath is { } self)
            return Path.GetFileNameWithoutExtension(self) == "dotnet" ? FromCliAssembly(entry.Location) : new SweepWorker(self, []);
        var libDir = Path.GetDirectoryName(typeof(SweepWorker).Assembly.Location) ?? "";
        var beside = Path.Combine(libDir, CliAssembly);
        if (File.Exists(beside) && File.Exists(Path.ChangeExtension(beside, ".runtimeconfig.json"))) return FromCliAssembly(beside);
        // ROOT/{lib,tests}/<Project>/bin/<Configuration>/<tfm>/ -> ROOT/lib/SpikeKit.Cli/bin/<Configuration>/<tfm>/SpikeKit.Cli.dll
        var tfm = new DirectoryInfo(libDir);
        if (tfm.Parent?.Parent?.Parent?.Parent?.Parent is { } root)
        {
            var built = Path.Combine(root.FullName, "lib", "SpikeKit.Cli", "bin", tfm.Parent.Name, tfm.Name, CliAssembly);
            if (File.Exists(built)) return FromCliAssembly(built);
        }
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator)
            .Select(d => Path.Combine(d, OperatingSystem.IsWindows() ? "spikekit.exe" : "spikekit")).FirstOrDefault(File.Exists);
        return onPath is not null ? new SweepWorker(onPath, [])
            : throw new InvalidOperationException("no spikekit command found to train runs in parallel: install the spikekit tool, " +
                                                  "set SPIKEKIT_CLI to a built SpikeKit.Cli.dll, or pass a SweepWorker");
    }

    /// <summary>The process that trains run <paramref name="run"/> of the sweep in <paramref name="sweepDir"/> with
    /// <paramref name="threads"/> intra-op threads (output redirected, for the caller to log).</summary>
    public ProcessStartInfo StartInfo(string sweepDir, PlannedRun run, int threads)
    {
        var psi = new ProcessStartInfo(FileName) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in Arguments) psi.ArgumentList.Add(a);
        foreach (var a in new[] { "sweep", Path.GetFullPath(sweepDir), "--run-index", run.Index.ToString(System.Globalization.CultureInfo.InvariantCulture),
                     "--threads", threads.ToString(System.Globalization.CultureInfo.InvariantCulture), "--quiet" })
            psi.ArgumentList.Add(a);
        return psi;
    }

    /// <summary>The words that start the worker, shell-quoted (for Slurm scripts).</summary>
    public string CommandLine() => string.Join(" ", new[] { FileName }.Concat(Arguments).Select(SlurmScript.Quote));

    static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host
        : Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p
        : "dotnet";
}
