using System.Diagnostics;

namespace SpikeKit.Tests.Cli;

/// <summary>Runs the built <c>spikekit</c> command (lib/SpikeKit.Cli) as a separate process.</summary>
internal static class CliRunner
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr)
    {
        /// <summary>Non-empty stderr lines that are not progress output.</summary>
        public string[] ErrorLines => Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Where(l => l.StartsWith("spikekit:", StringComparison.Ordinal)).ToArray();
    }

    public static string CliDll()
    {
        // tests/SpikeKit.Tests/bin/<Configuration>/net10.0/ -> lib/SpikeKit.Cli/bin/<Configuration>/net10.0/SpikeKit.Cli.dll
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        string tfm = dir.Name, configuration = dir.Parent!.Name;
        var root = dir;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Research.sln"))) root = root.Parent;
        Assert.NotNull(root);
        var dll = Path.Combine(root!.FullName, "lib", "SpikeKit.Cli", "bin", configuration, tfm, "SpikeKit.Cli.dll");
        Assert.True(File.Exists(dll), $"{dll} not built");
        return dll;
    }

    public static Result Run(params string[] args) => RunWith(new Dictionary<string, string>(), args);

    /// <summary>Runs with extra environment variables (e.g. <c>SPIKEKIT_DATA</c> for a private frame cache).</summary>
    public static Result RunWith(IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (k, v) in environment) psi.Environment[k] = v;
        psi.ArgumentList.Add(CliDll());
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        Assert.True(p.WaitForExit(TimeSpan.FromMinutes(5)), "spikekit did not finish in 5 minutes");
        return new Result(p.ExitCode, stdout.Result, stderr.Result);
    }
}
