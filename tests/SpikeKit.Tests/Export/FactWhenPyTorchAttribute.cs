using System.Diagnostics;

namespace SpikeKit.Tests.Export;

/// <summary>Whether <c>/usr/bin/python3</c> imports torch (Debian's <c>python3-torch</c>), checked once per test run.
/// <c>SPIKEKIT_TEST_PYTHON</c> names another interpreter (e.g. a missing one, to see the skip lines).</summary>
internal static class SystemPyTorch
{
    public static readonly string Python = Environment.GetEnvironmentVariable("SPIKEKIT_TEST_PYTHON") is { Length: > 0 } p ? p : "/usr/bin/python3";

    static readonly Lazy<string?> _missing = new(Probe);

    /// <summary>Null when PyTorch is usable, else why not (the skip reason).</summary>
    public static string? Missing => _missing.Value;

    static string? Probe()
    {
        const string install = "apt-get install python3-torch";
        if (!File.Exists(Python)) return $"{Python} is not installed ({install})";
        try
        {
            var psi = new ProcessStartInfo(Python) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            psi.ArgumentList.Add("-c");
            psi.ArgumentList.Add("import torch; print(torch.__version__)");
            using var p = Process.Start(psi)!;
            var stderr = p.StandardError.ReadToEndAsync();
            p.StandardOutput.ReadToEnd();
            if (!p.WaitForExit(120_000)) { p.Kill(); return $"{Python} -c 'import torch' did not finish in 120 s"; }
            return p.ExitCode == 0 ? null : $"{Python} cannot import torch ({install}): {stderr.Result.Trim().Split('\n').LastOrDefault()}";
        }
        catch (System.ComponentModel.Win32Exception e) { return $"{Python} cannot run: {e.Message}"; }
    }
}

/// <summary>A fact that runs only where <c>/usr/bin/python3</c> has PyTorch; elsewhere it is reported as skipped with the reason.</summary>
public sealed class FactWhenPyTorchAttribute : FactAttribute
{
    public FactWhenPyTorchAttribute()
    {
        if (SystemPyTorch.Missing is { } why) Skip = $"PyTorch twin check skipped: {why}";
    }
}

/// <summary>A theory that runs only where <c>/usr/bin/python3</c> has PyTorch; elsewhere it is reported as skipped with the reason.</summary>
public sealed class TheoryWhenPyTorchAttribute : TheoryAttribute
{
    public TheoryWhenPyTorchAttribute()
    {
        if (SystemPyTorch.Missing is { } why) Skip = $"PyTorch twin check skipped: {why}";
    }
}
