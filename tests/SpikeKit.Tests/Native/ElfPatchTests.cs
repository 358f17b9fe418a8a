using System.Runtime.InteropServices;
using SpikeKit.Native;

namespace SpikeKit.Tests.Native;

/// <summary>
/// The facts the native-load fix rests on, checked on the real files: what TorchSharp's library needs from libstdc++,
/// whether this system provides it, and that the patched copy differs only in the weak flag.
/// </summary>
public class ElfPatchTests
{
    static string Original => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");

    static bool SystemHas(string version)
    {
        var stdcxx = new[] { "/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6" }.First(File.Exists);
        return ElfVersionInfo.Read(stdcxx).Defines.Contains(version);
    }

    [Fact]
    public void LibTorchSharpNeedsGlibcxx3432OnlyForIosBaseLibraryInit()
    {
        var info = ElfVersionInfo.Read(Original);
        var need = Assert.Single(info.Needs, n => n.File == "libstdc++.so.6" && n.Version == "GLIBCXX_3.4.32");
        Assert.Equal(0, need.Flags & ElfVersionInfo.VerFlagWeak);
        Assert.Equal(["_ZSt21ios_base_library_initv"], info.SymbolsUsingVersion(need.Index));
    }

    [Fact]
    public void PatchedCopyDiffersOnlyInTheWeakFlag()
    {
        var bytes = File.ReadAllBytes(Original);
        var info = ElfVersionInfo.Parse(bytes, Original);
        var need = info.Needs.Single(n => n.Version == "GLIBCXX_3.4.32");
        var patched = info.WithWeakNeeds([need]);
        var diff = Enumerable.Range(0, bytes.Length).Where(i => bytes[i] != patched[i]).ToArray();
        Assert.Equal([need.FlagsOffset], diff);
        var reread = ElfVersionInfo.Parse(patched, "patched");
        Assert.Equal(ElfVersionInfo.VerFlagWeak, reread.Needs.Single(n => n.Version == "GLIBCXX_3.4.32").Flags & ElfVersionInfo.VerFlagWeak);
        Assert.All(reread.Needs.Where(n => n.Version != "GLIBCXX_3.4.32"), n => Assert.Equal(0, n.Flags & ElfVersionInfo.VerFlagWeak));
    }

    [Fact]
    public void UnpatchedLibraryFailsHereExactlyWhenTheSystemLacksTheVersion()
    {
        TorchNative.EnsureLoaded();
        bool has = SystemHas("GLIBCXX_3.4.32");
        if (has)
        {
            Assert.Null(TorchNative.PatchedLibraryPath);
            Assert.Contains("new enough", TorchNative.Description);
            return;
        }
        // Debian 12 / Ubuntu 22.04: the shipped library cannot be loaded (its libtorch neighbours are beside it, so the
        // version requirement is the only reason), and the kit runs on its patched copy instead.
        Assert.False(NativeLibrary.TryLoad(Original, out _), "the unpatched library loaded, so the fix would be unnecessary");
        Assert.NotNull(TorchNative.PatchedLibraryPath);
        Assert.StartsWith("patched copy", TorchNative.Description);
        Assert.True(File.Exists(TorchNative.PatchedLibraryPath));
    }
}
