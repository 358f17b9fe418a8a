using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;

namespace SpikeKit.Kernels;

/// <summary>
/// Runs the parallel part of SpikeKit's CPU kernels on LibTorch's own intra-op threads: the OpenMP team of the
/// <c>libgomp</c> that <c>libtorch_cpu.so</c> loaded, entered through <c>GOMP_parallel</c> as LibTorch's own
/// <c>at::parallel_for</c> enters it.
/// </summary>
/// <remarks>
/// A second pool (the .NET thread pool) beside LibTorch's would share the cores with OpenMP workers that keep spinning
/// for a while after each LibTorch operation (libgomp's default wait policy): with 2 threads on 2 cores, three threads
/// would then compete, and a memory-bound kernel ran slower on 2 threads than on 1. On LibTorch's team, the kernels and
/// LibTorch's operations take turns on the same, already running threads. Where no such <c>libgomp</c> is loaded
/// (not Linux, or a LibTorch built without OpenMP), or when the environment variable <c>SPIKEKIT_KERNEL_THREADS</c> is
/// <c>dotnet</c>, <see cref="Run"/> uses <see cref="Parallel.For(int, int, Action{int})"/> instead.
/// </remarks>
internal static unsafe class OpenMpTeam
{
    static readonly delegate* unmanaged<delegate* unmanaged<IntPtr, void>, IntPtr, uint, uint, void> Parallel_;
    static readonly delegate* unmanaged<int> ThreadNum, TeamSize;

    /// <summary>True when the kernels run on LibTorch's OpenMP team; false when they use the .NET thread pool.</summary>
    public static bool Available { get; }

    /// <summary>Path of the <c>libgomp</c> in use, or null.</summary>
    public static string? Library { get; }

    static OpenMpTeam()
    {
        if (Environment.GetEnvironmentVariable("SPIKEKIT_KERNEL_THREADS") == "dotnet") return;
        var path = FindLibGomp();
        if (path is null || !NativeLibrary.TryLoad(path, out var handle)) return;
        if (!NativeLibrary.TryGetExport(handle, "GOMP_parallel", out var parallel)
            || !NativeLibrary.TryGetExport(handle, "omp_get_thread_num", out var threadNum)
            || !NativeLibrary.TryGetExport(handle, "omp_get_num_threads", out var teamSize)) return;
        Parallel_ = (delegate* unmanaged<delegate* unmanaged<IntPtr, void>, IntPtr, uint, uint, void>)parallel;
        ThreadNum = (delegate* unmanaged<int>)threadNum;
        TeamSize = (delegate* unmanaged<int>)teamSize;
        Library = path;
        Available = true;
    }

    /// <summary>The <c>libgomp</c> mapped into this process beside <c>libtorch_cpu.so</c> (from <c>/proc/self/maps</c>).</summary>
    static string? FindLibGomp()
    {
        if (!OperatingSystem.IsLinux()) return null;
        try
        {
            Native.TorchNative.EnsureLoaded();
            var paths = File.ReadLines("/proc/self/maps")
                .Select(l => l.IndexOf('/') is var i and >= 0 ? l[i..] : "")
                .Where(p => p.Length > 0).Distinct().ToList();
            var torchDirs = paths.Where(p => Path.GetFileName(p) == "libtorch_cpu.so").Select(Path.GetDirectoryName).ToHashSet();
            var gomps = paths.Where(p => Path.GetFileName(p).StartsWith("libgomp", StringComparison.Ordinal)).ToList();
            return gomps.FirstOrDefault(p => torchDirs.Contains(Path.GetDirectoryName(p)));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            return null;
        }
    }

    sealed class Job(int parts, Action<int> body)
    {
        public readonly int Parts = parts;
        public readonly Action<int> Body = body;
        public Exception? Error;
    }

    /// <summary>Runs <paramref name="body"/>(k) for k = 0 … <paramref name="parts"/> − 1 on a team of as many threads
    /// (each thread takes the parts k ≡ its number modulo the team size, so a smaller team than asked for loses nothing),
    /// and returns when all have run; the first exception any part threw is rethrown.</summary>
    public static void Run(int parts, Action<int> body)
    {
        if (parts <= 1) { if (parts == 1) body(0); return; }
        if (!Available)
        {
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, body);
            return;
        }
        var job = new Job(parts, body);
        var handle = GCHandle.Alloc(job);
        try
        {
            Parallel_(&Member, GCHandle.ToIntPtr(handle), (uint)parts, 0);
        }
        finally
        {
            handle.Free();
        }
        if (job.Error is not null) ExceptionDispatchInfo.Capture(job.Error).Throw();
    }

    [UnmanagedCallersOnly]
    static void Member(IntPtr data)
    {
        var job = (Job)GCHandle.FromIntPtr(data).Target!;
        try
        {
            int size = Math.Max(1, TeamSize());
            for (int k = ThreadNum(); k < job.Parts; k += size) job.Body(k);
        }
        catch (Exception e)
        {
            Interlocked.CompareExchange(ref job.Error, e, null);
        }
    }
}
