using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using SpikeKit.Kernels;

namespace SpikeKit.Tests.Kernels;

/// <summary>The fused kernels' parallel loops run on LibTorch's OpenMP team (not on a second pool beside it).</summary>
public class OpenMpTeamTests
{
    [Fact]
    public void OnLinuxTheTeamIsTheLibGompBesideLibTorch()
    {
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            Console.WriteLine("SKIPPED: OpenMpTeamTests.OnLinuxTheTeamIsTheLibGompBesideLibTorch is about linux-x64's LibTorch");
            return;
        }
        Assert.True(OpenMpTeam.Available);
        Assert.StartsWith("libgomp", Path.GetFileName(OpenMpTeam.Library));
        Assert.True(File.Exists(Path.Combine(Path.GetDirectoryName(OpenMpTeam.Library)!, "libtorch_cpu.so")), OpenMpTeam.Library);
    }

    /// <summary>Every part runs exactly once, on as many distinct threads as parts; on the OpenMP team the caller is one of them
    /// and none of the others is a .NET thread-pool thread (it is the team's master, as in <c>at::parallel_for</c>).</summary>
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void EveryPartRunsOnceOnItsOwnThread(int parts)
    {
        var runs = new int[parts];
        var threads = new ConcurrentDictionary<int, bool>();
        using var barrier = new Barrier(parts); // every part waits for the others: they must run at the same time
        int caller = Environment.CurrentManagedThreadId;
        OpenMpTeam.Run(parts, k =>
        {
            Interlocked.Increment(ref runs[k]);
            threads[Environment.CurrentManagedThreadId] = Thread.CurrentThread.IsThreadPoolThread;
            Assert.True(barrier.SignalAndWait(TimeSpan.FromSeconds(30)), "the parts did not run side by side");
        });
        Assert.All(runs, r => Assert.Equal(1, r));
        Assert.Equal(parts, threads.Count);
        if (OpenMpTeam.Available)
        {
            Assert.Contains(caller, threads.Keys);
            Assert.All(threads.Where(t => t.Key != caller), t => Assert.False(t.Value, "a part ran on a .NET thread-pool thread"));
        }
    }

    [Fact]
    public void AnExceptionInAPartReachesTheCallerAndTheTeamStillWorks()
    {
        var e = Assert.Throws<InvalidOperationException>(() => OpenMpTeam.Run(2, k =>
        {
            if (k == 1) throw new InvalidOperationException("part 1 failed");
        }));
        Assert.Equal("part 1 failed", e.Message);
        int sum = 0;
        OpenMpTeam.Run(2, k => Interlocked.Add(ref sum, k + 1));
        Assert.Equal(3, sum);
    }

    /// <summary>The kernels' loops (<c>CpuKernel.ParallelChunks</c>) run every chunk exactly once, and a thread held up in
    /// its first chunk (here: 300 ms asleep, as a thread that lost its core) has the rest of its share taken over by the other.</summary>
    [Fact]
    public void ALoopRunsEveryChunkOnceAndAStalledThreadsShareIsTakenOver()
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        if (TorchSharp.torch.get_num_threads() < 2)
        {
            Console.WriteLine("SKIPPED: OpenMpTeamTests.ALoopRunsEveryChunkOnceAndAStalledThreadsShareIsTakenOver needs 2 intra-op threads");
            return;
        }
        const int chunks = 40;
        long n = (long)chunks * CpuKernel.Chunk - 123;        // the last chunk shorter
        var ranges = new ConcurrentBag<(long Start, long End, int Thread)>();
        CpuKernel.ParallelChunks(n, (start, end) =>
        {
            ranges.Add((start, end, Environment.CurrentManagedThreadId));
            if (start == 0) Thread.Sleep(300);
        });
        var sorted = ranges.OrderBy(r => r.Start).ToList();
        Assert.Equal(chunks, sorted.Count);
        for (int c = 0; c < chunks; c++)
        {
            Assert.Equal((long)c * CpuKernel.Chunk, sorted[c].Start);
            Assert.Equal(Math.Min(n, (long)(c + 1) * CpuKernel.Chunk), sorted[c].End);
        }
        int stalled = sorted[0].Thread;
        if (sorted.Select(r => r.Thread).Distinct().Count() < 2)
        {
            Console.WriteLine("SKIPPED: OpenMpTeamTests.ALoopRunsEveryChunkOnceAndAStalledThreadsShareIsTakenOver: one thread ran every chunk");
            return;
        }
        Assert.True(sorted.Count(r => r.Thread == stalled) < chunks / 2, "the stalled thread ran its whole share");
    }
}
