using SpikeKit.Data;
using SpikeKit.Native;
using TorchSharp;

namespace SpikeKit.Tests.Data;

public class CifarReaderTests
{
    public CifarReaderTests() => TorchNative.EnsureLoaded();

    [Fact]
    public void ReadsCifar10LabelsAndChannelMajorPixels()
    {
        using var dir = new TempDataDir();
        string path = dir.Write("data_batch_1.bin", TempDataDir.Cifar10(new byte[] { 3, 9, 0 }));

        var (images, labels) = CifarReader.ReadCifar10(path);
        using (images)
        using (labels)
        {
            Assert.Equal(new long[] { 3, 3, 32, 32 }, images.shape);
            Assert.Equal(torch.ScalarType.Byte, images.dtype);
            Assert.Equal(new long[] { 3, 9, 0 }, labels.data<long>().ToArray());
            for (int i = 0; i < 3; i++)
            {
                using var record = images[i].flatten();
                Assert.Equal(TempDataDir.CifarPixels(i), record.data<byte>().ToArray());
            }
            // Record 1, green channel (offset 1024), row 2, column 5 → byte 1024 + 2·32 + 5.
            Assert.Equal((byte)((1 + 5 * (1024 + 2 * 32 + 5)) % 256), images[1, 1, 2, 5].item<byte>());
        }
    }

    [Fact]
    public void ReadsCifar100FineAndCoarseLabelsFromTheirOwnBytes()
    {
        using var dir = new TempDataDir();
        string path = dir.Write("train.bin", TempDataDir.Cifar100(coarse: new byte[] { 19, 4, 0 }, fine: new byte[] { 99, 30, 55 }));

        var (images, fine, coarse) = CifarReader.ReadCifar100(path);
        using (images)
        using (fine)
        using (coarse)
        {
            Assert.Equal(new long[] { 3, 3, 32, 32 }, images.shape);
            Assert.Equal(new long[] { 99, 30, 55 }, fine.data<long>().ToArray());
            Assert.Equal(new long[] { 19, 4, 0 }, coarse.data<long>().ToArray());
            using var record = images[2].flatten();
            Assert.Equal(TempDataDir.CifarPixels(2), record.data<byte>().ToArray());
        }
    }

    [Fact]
    public void SizeNotAMultipleOfTheRecordIsOneLine()
    {
        using var dir = new TempDataDir();
        string c10 = dir.Write("data_batch_1.bin", TempDataDir.Cifar10(new byte[] { 1 })[..3000]);
        var e = Assert.Throws<DataFormatException>(() => CifarReader.ReadCifar10(c10));
        Assert.Equal($"{c10}: size 3000 bytes is not a multiple of the 3073-byte CIFAR-10 record (1 label byte + 3072 pixel bytes)", e.Message);

        // A CIFAR-10 file (2 records = 6146 bytes) read as CIFAR-100 is caught by the size check.
        string mixed = dir.Write("train.bin", TempDataDir.Cifar10(new byte[] { 1, 2 }));
        var e2 = Assert.Throws<DataFormatException>(() => CifarReader.ReadCifar100(mixed));
        Assert.Equal($"{mixed}: size 6146 bytes is not a multiple of the 3074-byte CIFAR-100 record (coarse label byte + fine label byte + 3072 pixel bytes)", e2.Message);

        string empty = dir.Write("test_batch.bin", Array.Empty<byte>());
        var e3 = Assert.Throws<DataFormatException>(() => CifarReader.ReadCifar10(empty));
        Assert.Equal($"{empty}: file is empty", e3.Message);
    }

    [Fact]
    public void LabelOutsideTheClassRangeNamesTheRecord()
    {
        using var dir = new TempDataDir();
        string c10 = dir.Write("data_batch_1.bin", TempDataDir.Cifar10(new byte[] { 1, 2, 10, 3 }));
        var e = Assert.Throws<DataFormatException>(() => CifarReader.ReadCifar10(c10));
        Assert.Equal($"{c10}: record 2 has label 10, outside [0, 10)", e.Message);

        string fine = dir.Write("train.bin", TempDataDir.Cifar100(new byte[] { 1, 2 }, new byte[] { 5, 100 }));
        var e2 = Assert.Throws<DataFormatException>(() => CifarReader.ReadCifar100(fine));
        Assert.Equal($"{fine}: record 1 has fine label 100, outside [0, 100)", e2.Message);

        string coarse = dir.Write("test.bin", TempDataDir.Cifar100(new byte[] { 20, 2 }, new byte[] { 5, 6 }));
        var e3 = Assert.Throws<DataFormatException>(() => CifarReader.ReadCifar100(coarse));
        Assert.Equal($"{coarse}: record 0 has coarse label 20, outside [0, 20)", e3.Message);
    }

    [Fact]
    public void MissingFileNamesThePath()
    {
        using var dir = new TempDataDir();
        string path = dir.File("test_batch.bin");
        var e = Assert.Throws<FileNotFoundException>(() => CifarReader.ReadCifar10(path));
        Assert.Equal($"{path}: not found (nor test_batch.bin.gz)", e.Message);
    }
}
