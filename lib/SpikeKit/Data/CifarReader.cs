using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data;

/// <summary>
/// Reads the binary versions of CIFAR-10 and CIFAR-100 (<c>cifar-10-binary.tar.gz</c>, <c>cifar-100-binary.tar.gz</c>).
/// </summary>
/// <remarks>
/// <para>CIFAR-10 (<c>cifar-10-batches-bin/data_batch_{1..5}.bin</c>, <c>test_batch.bin</c>): records of 3073 bytes,
/// one label byte (0–9) then 3072 pixel bytes (1024 red, 1024 green, 1024 blue, each 32×32 row-major).</para>
/// <para>CIFAR-100 (<c>cifar-100-binary/train.bin</c>, <c>test.bin</c>): records of 3074 bytes, a coarse label byte (0–19),
/// a fine label byte (0–99), then the same 3072 pixel bytes. Training uses the fine labels.</para>
/// <para>The file is read in one go (gzip by content is accepted too) and split into labels and images with tensor ops.
/// Errors are one-line <see cref="DataFormatException"/>s naming the file.</para>
/// </remarks>
public static class CifarReader
{
    /// <summary>Bytes of pixels per record: 3 × 32 × 32.</summary>
    public const int PixelBytes = 3 * 32 * 32;

    /// <summary>Reads a CIFAR-10 binary batch: images uint8 <c>[N, 3, 32, 32]</c>, labels int64 <c>[N]</c> in 0–9.</summary>
    public static (Tensor Images, Tensor Labels) ReadCifar10(string file)
    {
        using var scope = NewDisposeScope();
        var (records, path) = ReadRecords(file, 1, "CIFAR-10 record (1 label byte + 3072 pixel bytes)");
        var labels = records.select(1, 0).to_type(ScalarType.Int64);
        DataFiles.EnsureLabelsInRange(labels, 10, path, "record");
        var images = Pixels(records, 1);
        return (images.MoveToOuterDisposeScope(), labels.MoveToOuterDisposeScope());
    }

    /// <summary>
    /// Reads a CIFAR-100 binary file: images uint8 <c>[N, 3, 32, 32]</c>, fine labels int64 <c>[N]</c> in 0–99,
    /// coarse (superclass) labels int64 <c>[N]</c> in 0–19.
    /// </summary>
    public static (Tensor Images, Tensor Labels, Tensor CoarseLabels) ReadCifar100(string file)
    {
        using var scope = NewDisposeScope();
        var (records, path) = ReadRecords(file, 2, "CIFAR-100 record (coarse label byte + fine label byte + 3072 pixel bytes)");
        var coarse = records.select(1, 0).to_type(ScalarType.Int64);
        var fine = records.select(1, 1).to_type(ScalarType.Int64);
        DataFiles.EnsureLabelsInRange(coarse, 20, path, "record", "coarse label");
        DataFiles.EnsureLabelsInRange(fine, 100, path, "record", "fine label");
        var images = Pixels(records, 2);
        return (images.MoveToOuterDisposeScope(), fine.MoveToOuterDisposeScope(), coarse.MoveToOuterDisposeScope());
    }

    static (Tensor Records, string Path) ReadRecords(string file, int labelBytes, string recordDescription)
    {
        string path = DataFiles.Resolve(file);
        var bytes = DataFiles.ReadAll(path);
        int record = labelBytes + PixelBytes;
        if (bytes.Length == 0) throw new DataFormatException(path, "file is empty");
        if (bytes.Length % record != 0)
            throw new DataFormatException(path, $"size {bytes.Length} bytes is not a multiple of the {record}-byte {recordDescription}");
        return (torch.tensor(bytes, new long[] { bytes.Length / record, record }), path);
    }

    static Tensor Pixels(Tensor records, int labelBytes) =>
        records.narrow(1, labelBytes, PixelBytes).reshape(records.shape[0], 3, 32, 32).contiguous();
}
