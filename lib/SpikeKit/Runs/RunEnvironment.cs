using System.Reflection;
using System.Runtime.InteropServices;
using TorchSharp;

namespace SpikeKit.Runs;

/// <summary>Where and with what a result was produced; recorded in every <c>summary.json</c>.</summary>
/// <param name="SpikeKit">SpikeKit version.</param>
/// <param name="TorchSharp">TorchSharp version.</param>
/// <param name="LibTorch">LibTorch version.</param>
/// <param name="Dotnet">.NET runtime.</param>
/// <param name="Os">Operating system.</param>
/// <param name="Machine">Host name and logical core count.</param>
/// <param name="Threads">TorchSharp intra-op threads in use.</param>
/// <param name="Device">Compute device.</param>
/// <param name="NativeLoader">How TorchSharp's native backend was loaded.</param>
/// <param name="Commit">The git commit SpikeKit was built from (null when built outside a git checkout or by an older version).</param>
public sealed record RunEnvironment(string SpikeKit, string TorchSharp, string LibTorch, string Dotnet, string Os, string Machine,
    int Threads, string Device, string NativeLoader, string? Commit = null)
{
    /// <summary>The current process's environment.</summary>
    public static RunEnvironment Current(string device = "cpu") => new(
        Version(typeof(RunEnvironment).Assembly),
        Version(typeof(torch).Assembly),
        torch.__version__,
        RuntimeInformation.FrameworkDescription,
        RuntimeInformation.OSDescription,
        $"{Environment.MachineName} ({Environment.ProcessorCount} logical cores, {RuntimeInformation.ProcessArchitecture})",
        torch.get_num_threads(),
        device,
        Native.TorchNative.Description,
        typeof(RunEnvironment).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+') is [_, var sha, ..] ? sha : null);

    static string Version(Assembly a) =>
        a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? a.GetName().Version?.ToString() ?? "?";
}
