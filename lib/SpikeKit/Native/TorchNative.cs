using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using TorchSharp;

namespace SpikeKit.Native;

/// <summary>
/// Makes TorchSharp-cpu 0.107.0 load on Linux systems whose libstdc++ predates GCC 13 (Debian 12, Ubuntu 22.04).
/// </summary>
/// <remarks>
/// <para>TorchSharp's <c>libLibTorchSharp.so</c> was linked with GCC 13 and requires the symbol version
/// <c>GLIBCXX_3.4.32</c>, used only by <c>std::ios_base_library_init()</c>, which nothing calls. On an older libstdc++
/// the whole library fails to load and TorchSharp reports a misleading "doesn't contain a reference to libtorch-cpu".</para>
/// <para>What this does, once per process, before TorchSharp's first native call:</para>
/// <list type="number">
/// <item>Finds TorchSharp's <c>libLibTorchSharp.so</c> (build output, or NuGet cache for notebook kernels) and the libtorch natives.</item>
/// <item>Reads the versions it needs from libstdc++ and those the system libstdc++ defines. Nothing missing: no-op.</item>
/// <item>If the only symbols bound to missing versions are known to be never called, writes a copy with those version
/// needs marked weak (<c>VER_FLG_WEAK</c>) into a per-user cache folder (<c>$SPIKEKIT_NATIVE_CACHE</c>, else
/// <c>$XDG_CACHE_HOME/spikekit/native</c>, else <c>~/.cache/spikekit/native</c>) beside links to the libtorch natives,
/// loads it, and routes TorchSharp's <c>LibTorchSharp</c> imports to it. System files and the NuGet cache are not touched.</item>
/// <item>Otherwise throws one clear message naming the library and the missing versions.</item>
/// </list>
/// <para>It runs automatically when any SpikeKit type is first used (module initializer); call
/// <see cref="EnsureLoaded"/> to get its error as an exception.</para>
/// </remarks>
public static class TorchNative
{
    /// <summary>Symbols that GCC 13 references for iostream start-up but that no code path calls.</summary>
    static readonly HashSet<string> SafeToWeaken = new(StringComparer.Ordinal) { "_ZSt21ios_base_library_initv" };

    static readonly object Gate = new();
    static bool _attempted;
    static Exception? _error;
    static IntPtr _handle;

    /// <summary>Path of the patched <c>libLibTorchSharp.so</c> in use, or null when none was needed.</summary>
    public static string? PatchedLibraryPath { get; private set; }

    /// <summary>One line saying how the native backend was loaded (for logs and <c>summary.json</c>).</summary>
    public static string Description { get; private set; } = "not loaded";

#pragma warning disable CA2255 // A module initializer in a library is intended here: the fix must precede any TorchSharp call.
    [ModuleInitializer]
    internal static void OnModuleLoad()
    {
        try { EnsureLoaded(); }
        catch (Exception e) { Console.Error.WriteLine($"SpikeKit: {e.Message}"); }
    }
#pragma warning restore CA2255

    /// <summary>Loads TorchSharp's native backend, patching a private copy when needed. Idempotent and thread-safe.</summary>
    /// <exception cref="InvalidOperationException">When the backend cannot be made to load; the message names the library.</exception>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (!_attempted)
            {
                _attempted = true;
                try { Prepare(); torch.InitializeDeviceType(DeviceType.CPU); }
                catch (Exception e) { _error = e is InvalidOperationException ? e : new InvalidOperationException(FirstLine(e.Message), e); }
            }
            if (_error is not null) throw _error;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    static extern int MallocTrim(nuint pad);

    /// <summary>
    /// Returns free heap memory to the operating system (glibc <c>malloc_trim(0)</c>; a no-op elsewhere).
    /// LibTorch's CPU allocations go through glibc malloc, whose heap keeps freed activation buffers and grows over a
    /// long training run; <see cref="Training.Trainer"/> calls this every few dozen steps so the process stays flat.
    /// </summary>
    public static void ReleaseFreeMemory()
    {
        if (!OperatingSystem.IsLinux()) return;
        try { MallocTrim(0); }
        catch (EntryPointNotFoundException) { } // not glibc (e.g. musl)
        catch (DllNotFoundException) { }
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    static extern int MallOpt(int param, int value);

    const int M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3;
    static int _allocatorTuned;

    /// <summary>Largest allocation served from glibc's heap after <see cref="TuneAllocator"/> (larger ones are mapped).</summary>
    public const int HeapAllocationLimit = 32 << 20;

    /// <summary>Free memory at the top of glibc's heap kept (not returned to the OS) after <see cref="TuneAllocator"/>.</summary>
    public const int HeapTopKept = 256 << 20;

    /// <summary>
    /// Fixes glibc malloc's thresholds for a training loop (once per process; a no-op elsewhere, or when the environment
    /// variable <c>SPIKEKIT_MALLOC_TUNING</c> is <c>0</c>): allocations up to <see cref="HeapAllocationLimit"/> come from the
    /// heap (the largest value glibc's dynamic threshold would reach anyway, fixed from the start), and up to
    /// <see cref="HeapTopKept"/> of free memory stays at the heap top instead of being returned and faulted in again at the
    /// next step. <see cref="Training.Trainer"/> calls it; with its per-step finalization of TorchSharp's native handles
    /// this keeps the heap compact (lower peak RSS) and cuts page faults (measured in <c>docs/BENCHMARKS.md</c>).
    /// Returns true when the settings were applied by this call.
    /// </summary>
    public static bool TuneAllocator()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable("SPIKEKIT_MALLOC_TUNING") == "0") return false;
        if (Interlocked.Exchange(ref _allocatorTuned, 1) == 1) return false;
        try
        {
            return MallOpt(M_MMAP_THRESHOLD, HeapAllocationLimit) == 1 && MallOpt(M_TRIM_THRESHOLD, HeapTopKept) == 1;
        }
        catch (EntryPointNotFoundException) { return false; } // not glibc (e.g. musl)
        catch (DllNotFoundException) { return false; }
    }

    static string FirstLine(string s) => s.Split('\n', 2)[0].Trim();

    static void Prepare()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Description = "native TorchSharp load (not linux-x64)";
            return;
        }
        var torchAsm = typeof(torch).Assembly;
        var original = FindLibTorchSharp(torchAsm)
            ?? throw new InvalidOperationException($"libLibTorchSharp.so not found beside {torchAsm.Location} nor in the NuGet cache; restore the TorchSharp-cpu package.");
        var info = ElfVersionInfo.Read(original);
        var stdcxx = SystemLibStdCxx();
        var provided = ElfVersionInfo.Read(stdcxx).Defines;
        var missing = info.Needs.Where(n => n.File == "libstdc++.so.6" && !provided.Contains(n.Version)).ToList();
        if (missing.Count == 0)
        {
            Description = $"native TorchSharp load ({stdcxx} is new enough)";
            return;
        }
        var unsafeSymbols = missing.SelectMany(n => info.SymbolsUsingVersion(n.Index)).Where(s => !SafeToWeaken.Contains(s)).ToList();
        var missingNames = string.Join(", ", missing.Select(m => m.Version));
        if (unsafeSymbols.Count > 0)
            throw new InvalidOperationException(
                $"{original} needs {missingNames} from libstdc++.so.6, which {stdcxx} lacks, and uses symbols of it ({string.Join(", ", unsafeSymbols.Take(3))}); install libstdc++6 from GCC 13 or newer.");

        var torchCpuDir = FindLibTorchCpuDir(torchAsm, original)
            ?? throw new InvalidOperationException($"libtorch_cpu.so not found beside {original} nor in the NuGet cache; restore the libtorch-cpu-linux-x64 package.");
        PatchedLibraryPath = WritePatchedCopy(original, info.WithWeakNeeds(missing), torchCpuDir);
        _handle = NativeLibrary.Load(PatchedLibraryPath);
        try
        {
            NativeLibrary.SetDllImportResolver(torchAsm, (name, _, _) =>
                name is "LibTorchSharp" or "libLibTorchSharp" or "libLibTorchSharp.so" ? _handle : IntPtr.Zero);
        }
        catch (InvalidOperationException)
        {
            // Someone else owns the resolver; the loader then finds the patched copy by its soname.
        }
        Description = $"patched copy {PatchedLibraryPath} ({missingNames} marked weak; system {stdcxx})";
    }

    static string? FindLibTorchSharp(Assembly torchAsm)
    {
        const string name = "libLibTorchSharp.so";
        var dir = Path.GetDirectoryName(torchAsm.Location) ?? AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(dir, "runtimes", "linux-x64", "native", name),
            Path.Combine(dir, name),
            Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", name),
            Path.Combine(AppContext.BaseDirectory, name),
            // NuGet layout: .../torchsharp/<ver>/lib/<tfm>/TorchSharp.dll -> .../torchsharp/<ver>/runtimes/linux-x64/native
            Path.GetFullPath(Path.Combine(dir, "..", "..", "runtimes", "linux-x64", "native", name)),
            Path.Combine(NuGetRoot(), "torchsharp", TorchSharpVersion(torchAsm), "runtimes", "linux-x64", "native", name),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    static string? FindLibTorchCpuDir(Assembly torchAsm, string libTorchSharp)
    {
        var here = Path.GetDirectoryName(libTorchSharp)!;
        if (File.Exists(Path.Combine(here, "libtorch_cpu.so"))) return here;
        var pkg = Path.Combine(NuGetRoot(), "libtorch-cpu-linux-x64");
        if (!Directory.Exists(pkg)) return null;
        return Directory.GetDirectories(pkg)
            .OrderByDescending(d => d, StringComparer.Ordinal)
            .Select(d => Path.Combine(d, "runtimes", "linux-x64", "native"))
            .FirstOrDefault(d => File.Exists(Path.Combine(d, "libtorch_cpu.so")));
    }

    static string NuGetRoot() =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p ? p
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");

    static string TorchSharpVersion(Assembly a) =>
        a.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? a.GetName().Version?.ToString(3) ?? "0.107.0";

    /// <summary>Path of the libstdc++ the dynamic loader picks for this process.</summary>
    static string SystemLibStdCxx()
    {
        NativeLibrary.Load("libstdc++.so.6");
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            int slash = line.IndexOf('/');
            if (slash >= 0 && line.Contains("libstdc++.so.6", StringComparison.Ordinal))
                return line[slash..].Trim();
        }
        throw new InvalidOperationException("libstdc++.so.6 is loaded but not found in /proc/self/maps.");
    }

    static string WritePatchedCopy(string original, byte[] patched, string torchCpuDir)
    {
        var root = Environment.GetEnvironmentVariable("SPIKEKIT_NATIVE_CACHE") is { Length: > 0 } c ? c
            : Path.Combine(Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } x ? x
                : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"), "spikekit", "native");
        var key = Convert.ToHexString(SHA256.HashData(patched))[..16].ToLowerInvariant()
                  + "-" + Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(torchCpuDir)))[..8].ToLowerInvariant();
        var dir = Path.Combine(root, key);
        Directory.CreateDirectory(dir);
        foreach (var lib in Directory.GetFiles(torchCpuDir, "*.so*"))
        {
            var link = Path.Combine(dir, Path.GetFileName(lib));
            if (Path.GetFileName(lib) == "libLibTorchSharp.so" || File.Exists(link)) continue;
            try { File.CreateSymbolicLink(link, lib); }
            catch (IOException) when (File.Exists(link)) { } // another process made it first
        }
        var target = Path.Combine(dir, "libLibTorchSharp.so");
        if (!File.Exists(target) || !File.ReadAllBytes(target).AsSpan().SequenceEqual(patched))
        {
            var tmp = $"{target}.{Environment.ProcessId}.tmp";
            File.WriteAllBytes(tmp, patched);
            File.Move(tmp, target, overwrite: true);
        }
        _ = original;
        return target;
    }
}
