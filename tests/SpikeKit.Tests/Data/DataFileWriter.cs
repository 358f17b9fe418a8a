using System.Buffers.Binary;
using System.IO.Compression;

namespace SpikeKit.Tests.Data;

/// <summary>A temporary folder plus writers for the real on-disk formats (IDX, CIFAR binary).</summary>
public sealed class TempDataDir : IDisposable
{
    public TempDataDir() { Path = Directory.CreateTempSubdirectory("spikekit-data-test-").FullName; }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string Write(string name, byte[] bytes, bool gzip = false)
    {
        string path = File(name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(path)!);
        System.IO.File.WriteAllBytes(path, gzip ? Gzip(bytes) : bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); } catch (IOException) { }
    }

    public static byte[] Gzip(byte[] bytes)
    {
        using var memory = new MemoryStream();
        using (var gz = new GZipStream(memory, CompressionLevel.Fastest)) gz.Write(bytes);
        return memory.ToArray();
    }

    /// <summary>IDX3 uint8 images: magic 0x00000803, N, rows, cols (big-endian int32), pixels.</summary>
    public static byte[] Idx3(int n, int rows, int cols, byte[] pixels, uint magic = 0x00000803)
    {
        var bytes = new byte[16 + pixels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), n);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(8), rows);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(12), cols);
        pixels.CopyTo(bytes, 16);
        return bytes;
    }

    /// <summary>IDX1 uint8 labels: magic 0x00000801, N, labels.</summary>
    public static byte[] Idx1(byte[] labels, int? n = null, uint magic = 0x00000801)
    {
        var bytes = new byte[8 + labels.Length];
        BinaryPrimitives.WriteUInt32BigEndian(bytes.AsSpan(0), magic);
        BinaryPrimitives.WriteInt32BigEndian(bytes.AsSpan(4), n ?? labels.Length);
        labels.CopyTo(bytes, 8);
        return bytes;
    }

    /// <summary>Pixels of n images of rows×cols whose value at (i, r, c) is (7i + 3r + c) mod 256.</summary>
    public static byte[] Pattern(int n, int rows, int cols)
    {
        var pixels = new byte[n * rows * cols];
        for (int i = 0; i < n; i++)
            for (int r = 0; r < rows; r++)
                for (int c = 0; c < cols; c++)
                    pixels[(i * rows + r) * cols + c] = (byte)((7 * i + 3 * r + c) % 256);
        return pixels;
    }

    /// <summary>CIFAR pixel bytes of record i: byte j is (i + 5j) mod 256 (channel-major, 3×32×32).</summary>
    public static byte[] CifarPixels(int i)
    {
        var pixels = new byte[3072];
        for (int j = 0; j < 3072; j++) pixels[j] = (byte)((i + 5 * j) % 256);
        return pixels;
    }

    /// <summary>CIFAR-10 binary: per record one label byte then 3072 pixel bytes.</summary>
    public static byte[] Cifar10(byte[] labels, int firstIndex = 0)
    {
        var bytes = new byte[labels.Length * 3073];
        for (int i = 0; i < labels.Length; i++)
        {
            bytes[i * 3073] = labels[i];
            CifarPixels(firstIndex + i).CopyTo(bytes, i * 3073 + 1);
        }
        return bytes;
    }

    /// <summary>CIFAR-100 binary: per record coarse label byte, fine label byte, then 3072 pixel bytes.</summary>
    public static byte[] Cifar100(byte[] coarse, byte[] fine)
    {
        var bytes = new byte[fine.Length * 3074];
        for (int i = 0; i < fine.Length; i++)
        {
            bytes[i * 3074] = coarse[i];
            bytes[i * 3074 + 1] = fine[i];
            CifarPixels(i).CopyTo(bytes, i * 3074 + 2);
        }
        return bytes;
    }
}
