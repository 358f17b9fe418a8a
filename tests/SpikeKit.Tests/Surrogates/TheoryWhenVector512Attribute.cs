using System.Runtime.Intrinsics;

namespace SpikeKit.Tests.Surrogates;

/// <summary>A theory that runs only where the CPU accelerates 512-bit vectors (where the fused kernels use them); elsewhere
/// it is reported as skipped with the reason.</summary>
public sealed class TheoryWhenVector512Attribute : TheoryAttribute
{
    public TheoryWhenVector512Attribute()
    {
        if (!Vector512.IsHardwareAccelerated) Skip = "512-bit kernel check skipped: this CPU does not accelerate Vector512 (the kernels use Vector<float> only)";
    }
}
