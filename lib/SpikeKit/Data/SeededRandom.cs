namespace SpikeKit.Data;

/// <summary>
/// Small deterministic random source (SplitMix64) for data order and augmentation. Its output depends only on the
/// seed, never on the platform, thread count or TorchSharp version, which is what makes epochs reproducible.
/// </summary>
internal sealed class SeededRandom
{
    ulong _state;

    /// <summary>A stream seeded by mixing all of <paramref name="parts"/> (for example seed, epoch, stream id).</summary>
    public SeededRandom(params long[] parts) { _state = Hash(parts); }

    /// <summary>Order-sensitive hash of several 64-bit values.</summary>
    public static ulong Hash(params long[] parts)
    {
        ulong h = 0x5851F42D4C957F2DUL;
        foreach (var p in parts) h = Mix(h ^ Mix(unchecked((ulong)p) + 0x9E3779B97F4A7C15UL));
        return h;
    }

    static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>Next 64 random bits.</summary>
    public ulong NextUInt64() => Mix(_state += 0x9E3779B97F4A7C15UL);

    /// <summary>Uniform integer in <c>[0, bound)</c>, without modulo bias.</summary>
    public int Next(int bound)
    {
        if (bound <= 0) throw new ArgumentOutOfRangeException(nameof(bound));
        ulong b = (ulong)bound, limit = ulong.MaxValue - ulong.MaxValue % b;
        ulong r;
        do r = NextUInt64(); while (r >= limit);
        return (int)(r % b);
    }

    /// <summary>Uniform double in <c>[0, 1)</c>.</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(T[] items) => Shuffle(items.AsSpan());

    /// <summary>Fisher–Yates shuffle in place.</summary>
    public void Shuffle<T>(Span<T> items)
    {
        for (int i = items.Length - 1; i > 0; i--)
        {
            int j = Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }
}
