using System.Buffers.Binary;
using SpikeKit.Reporting.Frames;
using SpikeKit.Reporting.Plotting;

namespace SpikeKit.Reporting.Tests;

/// <summary>A fact that runs only when a Chromium binary is found (<see cref="ChartImage.Browser"/>); otherwise skipped with the reason.</summary>
public sealed class FactWhenChromiumAttribute : FactAttribute
{
    public FactWhenChromiumAttribute()
    {
        if (ChartImage.Browser is null) Skip = "no Chromium found: apt-get install chromium, or set SPIKEKIT_CHROMIUM";
    }
}

/// <summary>Charts saved as static images (PNG, PDF) by headless Chromium, without network.</summary>
public class ChartImageTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-image-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [FactWhenChromium]
    public void AReportWithImagesWritesAPngPerChartAndShowsThem()
    {
        var sweep = Path.Combine(_dir, "sweep");
        ResultFolder.WriteSweep(sweep);
        var files = ReportWriter.Write(sweep, Path.Combine(_dir, "report"), images: true);
        Assert.Equal(files.Charts.Count, files.Images!.Count);
        Assert.Equal(files.Charts.Select(c => Path.ChangeExtension(c, ".png")), files.Images);
        foreach (var png in files.Images)
            Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, File.ReadAllBytes(png)[..4]);
        var md = File.ReadAllText(files.Markdown);
        Assert.Contains("![Test accuracy per epoch](charts/accuracy.png)", md);
        Assert.Empty(ReportWriter.Write(sweep, Path.Combine(_dir, "plain")).Images!);
    }

    [FactWhenChromium]
    public void AChartSavedAsPngAndPdfIsAValidImageOfTheRequestedSize()
    {
        var chart = Charts.AccuracyCurves(Ablation());

        var png = File.ReadAllBytes(ChartImage.Save(chart, Path.Combine(_dir, "fig/accuracy.png"), 640, 400));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(png, 12, 4));
        Assert.Equal(640, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(16)));
        Assert.Equal(400, BinaryPrimitives.ReadInt32BigEndian(png.AsSpan(20)));
        Assert.True(png.Length > 10_000, $"PNG of {png.Length} bytes: an empty page compresses far smaller than a drawn chart");

        var pdfPath = Path.Combine(_dir, "fig/accuracy.pdf");
        chart.SaveImage(pdfPath);
        var pdf = File.ReadAllBytes(pdfPath);
        Assert.Equal("%PDF-", System.Text.Encoding.ASCII.GetString(pdf, 0, 5));
        Assert.Contains("%%EOF", System.Text.Encoding.ASCII.GetString(pdf, pdf.Length - 32, 32));
        Assert.True(pdf.Length > 5_000, $"PDF of {pdf.Length} bytes");
    }

    ResultSet Ablation()
    {
        ResultFolder.WriteAblation(Path.Combine(_dir, "runs"));
        return ResultSet.Load(Path.Combine(_dir, "runs"));
    }

    [Fact]
    public void OnlyPngAndPdfAreAccepted() =>
        Assert.Throws<ArgumentException>(() => ChartImage.Save(Charts.VariantComparison(Ablation()), Path.Combine(_dir, "a.jpg")));
}
