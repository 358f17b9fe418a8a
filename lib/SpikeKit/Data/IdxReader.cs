using System.Buffers.Binary;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data;

/// <summary>
/// Reads the IDX files of MNIST and Fashion-MNIST: <c>IDX3</c> uint8 images (magic <c>0x00000803</c>, then N, rows,
/// columns as big-endian int32, then N·rows·columns pixel bytes) and <c>IDX1</c> uint8 labels (magic <c>0x00000801</c>,
/// then N, then N bytes).
/// </summary>
/// <remarks>
/// Files may be gzipped or raw; that is decided by content (gzip magic <c>1f 8b</c>), not by the extension. A path is
/// looked up as given, then with <c>.gz</c> added, then with <c>.gz</c> removed. The payload is read in one bulk read and
/// becomes a tensor in a single copy. Problems raise a one-line <see cref="DataFormatException"/> naming the file
/// (missing files: <see cref="FileNotFoundException"/>, also one line).
/// </remarks>
public static class IdxReader
{
    /// <summary>Magic number of an IDX file of uint8 with three dimensions (images).</summary>
    public const uint ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of uint8 with one dimension (labels).</summary>
    public const uint LabelsMagic = 0x00000801;

    /// <summary>Reads an IDX3 image file into a uint8 tensor <c>[N, 1, rows, columns]</c>.</summary>
    public static Tensor ReadImages(string path)
    {
        path = DataFiles.Resolve(path);
        using var stream = DataFiles.Open(path);
        Span<byte> header = stackalloc byte[16];
        ReadHeader(stream, header, path, ImagesMagic, "IDX3 uint8 images");
        long n = Dimension(header, 4, path, "image count"), rows = Dimension(header, 8, path, "row count"), cols = Dimension(header, 12, path, "column count");
        long size = n * rows * cols;
        string what = $"{n} images of {rows}x{cols}";
        if (size > Array.MaxLength) throw new DataFormatException(path, $"header says {what}, too large to load");
        var pixels = ReadPayload(stream, size, path, what, "pixel bytes");
        return torch.tensor(pixels, new long[] { n, 1, rows, cols });
    }

    /// <summary>Reads an IDX1 label file into an int64 tensor <c>[N]</c>.</summary>
    public static Tensor ReadLabels(string path)
    {
        path = DataFiles.Resolve(path);
        using var stream = DataFiles.Open(path);
        Span<byte> header = stackalloc byte[8];
        ReadHeader(stream, header, path, LabelsMagic, "IDX1 uint8 labels");
        long n = Dimension(header, 4, path, "label count");
        if (n > Array.MaxLength) throw new DataFormatException(path, $"header says {n} labels, too large to load");
        var bytes = ReadPayload(stream, n, path, $"{n} labels", "label bytes");
        using var raw = torch.tensor(bytes, new long[] { n });
        return raw.to_type(ScalarType.Int64);
    }

    static void ReadHeader(Stream stream, Span<byte> header, string path, uint expected, string kind)
    {
        int got = DataFiles.Read(stream, header, path);
        if (got < 4) throw new DataFormatException(path, $"truncated: {got} bytes, too short for an IDX header");
        uint magic = BinaryPrimitives.ReadUInt32BigEndian(header);
        if (magic != expected)
            throw new DataFormatException(path, $"wrong magic number 0x{magic:X8}, expected 0x{expected:X8} ({kind})");
        if (got < header.Length)
            throw new DataFormatException(path, $"truncated: file ends inside the {header.Length}-byte header ({got} bytes)");
    }

    static long Dimension(ReadOnlySpan<byte> header, int offset, string path, string what)
    {
        int value = BinaryPrimitives.ReadInt32BigEndian(header[offset..]);
        if (value < 0) throw new DataFormatException(path, $"header has negative {what} {value}");
        return value;
    }

    static byte[] ReadPayload(Stream stream, long size, string path, string what, string unit)
    {
        var bytes = GC.AllocateUninitializedArray<byte>(checked((int)size));
        int got = DataFiles.Read(stream, bytes, path);
        if (got < size) throw new DataFormatException(path, $"truncated: header says {what} ({size} {unit}) but only {got} follow");
        if (DataFiles.HasMore(stream, path)) throw new DataFormatException(path, $"header says {what} but more bytes follow (trailing data)");
        return bytes;
    }
}
