using SpikeKit.Data;
using SpikeKit.Native;
using TorchSharp;

namespace SpikeKit.Tests.Data;

public class IdxReaderTests
{
    public IdxReaderTests() => TorchNative.EnsureLoaded();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsImagesAndLabelsRawAndGzip(bool gzip)
    {
        using var dir = new TempDataDir();
        var pixels = TempDataDir.Pattern(3, 4, 5);
        string images = dir.Write("images-idx3-ubyte" + (gzip ? ".gz" : ""), TempDataDir.Idx3(3, 4, 5, pixels), gzip);
        string labels = dir.Write("labels-idx1-ubyte" + (gzip ? ".gz" : ""), TempDataDir.Idx1(new byte[] { 7, 0, 9 }), gzip);

        using var x = IdxReader.ReadImages(images);
        using var y = IdxReader.ReadLabels(labels);

        Assert.Equal(torch.ScalarType.Byte, x.dtype);
        Assert.Equal(new long[] { 3, 1, 4, 5 }, x.shape);
        Assert.Equal(pixels, x.data<byte>().ToArray());
        Assert.Equal(torch.ScalarType.Int64, y.dtype);
        Assert.Equal(new long[] { 7, 0, 9 }, y.data<long>().ToArray());
    }

    [Fact]
    public void DetectsGzipByContentNotExtension()
    {
        using var dir = new TempDataDir();
        var pixels = TempDataDir.Pattern(2, 3, 3);
        string gzNoExtension = dir.Write("a-idx3-ubyte", TempDataDir.Idx3(2, 3, 3, pixels), gzip: true);
        string rawWithGzExtension = dir.Write("b-idx3-ubyte.gz", TempDataDir.Idx3(2, 3, 3, pixels), gzip: false);

        using var a = IdxReader.ReadImages(gzNoExtension);
        using var b = IdxReader.ReadImages(rawWithGzExtension);

        Assert.Equal(pixels, a.data<byte>().ToArray());
        Assert.Equal(pixels, b.data<byte>().ToArray());
    }

    [Fact]
    public void FindsTheGzOrRawVariantOfAPath()
    {
        using var dir = new TempDataDir();
        dir.Write("only-gz-idx1-ubyte.gz", TempDataDir.Idx1(new byte[] { 1, 2 }), gzip: true);
        dir.Write("only-raw-idx1-ubyte", TempDataDir.Idx1(new byte[] { 3 }));

        using var a = IdxReader.ReadLabels(dir.File("only-gz-idx1-ubyte"));
        using var b = IdxReader.ReadLabels(dir.File("only-raw-idx1-ubyte.gz"));

        Assert.Equal(new long[] { 1, 2 }, a.data<long>().ToArray());
        Assert.Equal(new long[] { 3 }, b.data<long>().ToArray());
    }

    [Fact]
    public void MissingFileIsOneLineNamingThePath()
    {
        using var dir = new TempDataDir();
        string path = dir.File("train-images-idx3-ubyte.gz");
        var e = Assert.Throws<FileNotFoundException>(() => IdxReader.ReadImages(path));
        Assert.Equal($"{path}: not found (nor train-images-idx3-ubyte)", e.Message);
        Assert.Equal(path, e.FileName);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void TruncatedImagesNameTheFileAndTheShortfall(bool gzip)
    {
        using var dir = new TempDataDir();
        var full = TempDataDir.Idx3(3, 4, 5, TempDataDir.Pattern(3, 4, 5));
        string path = dir.Write("images", full[..(16 + 50)], gzip);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal($"{path}: truncated: header says 3 images of 4x5 (60 pixel bytes) but only 50 follow", e.Message);
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void TruncatedLabelsNameTheFile()
    {
        using var dir = new TempDataDir();
        string path = dir.Write("labels", TempDataDir.Idx1(new byte[] { 1, 2, 3 }, n: 5));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Equal($"{path}: truncated: header says 5 labels (5 label bytes) but only 3 follow", e.Message);
    }

    [Fact]
    public void TruncatedHeaderIsReported()
    {
        using var dir = new TempDataDir();
        string path = dir.Write("images", TempDataDir.Idx3(3, 4, 5, Array.Empty<byte>())[..10]);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.Equal($"{path}: truncated: file ends inside the 16-byte header (10 bytes)", e.Message);

        string empty = dir.Write("empty", Array.Empty<byte>());
        var e2 = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(empty));
        Assert.Equal($"{empty}: truncated: 0 bytes, too short for an IDX header", e2.Message);
    }

    [Fact]
    public void WrongMagicSaysFoundAndExpected()
    {
        using var dir = new TempDataDir();
        string labels = dir.Write("labels", TempDataDir.Idx1(new byte[] { 1, 2 }), gzip: true);
        string images = dir.Write("images", TempDataDir.Idx3(1, 2, 2, new byte[4]));

        var e1 = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(labels));
        Assert.Equal($"{labels}: wrong magic number 0x00000801, expected 0x00000803 (IDX3 uint8 images)", e1.Message);
        var e2 = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(images));
        Assert.Equal($"{images}: wrong magic number 0x00000803, expected 0x00000801 (IDX1 uint8 labels)", e2.Message);
    }

    [Fact]
    public void TrailingDataIsRejected()
    {
        using var dir = new TempDataDir();
        string path = dir.Write("labels", TempDataDir.Idx1(new byte[] { 1, 2, 3 }, n: 2));
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadLabels(path));
        Assert.Equal($"{path}: header says 2 labels but more bytes follow (trailing data)", e.Message);
    }

    [Fact]
    public void CorruptGzipIsOneLine()
    {
        using var dir = new TempDataDir();
        var gz = TempDataDir.Gzip(TempDataDir.Idx3(4, 8, 8, TempDataDir.Pattern(4, 8, 8)));
        for (int i = 12; i < gz.Length - 8; i++) gz[i] ^= 0x5A;
        string path = dir.Write("images", gz);
        var e = Assert.Throws<DataFormatException>(() => IdxReader.ReadImages(path));
        Assert.StartsWith($"{path}: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }
}
