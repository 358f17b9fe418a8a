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
}
