using Deedle;
using SpikeKit.Reporting.Frames;

namespace SpikeKit.Reporting.Tests;

/// <summary>The notebook frame formatter, markdown tables, the report writer and the notebook kernel extension.</summary>
public class HtmlAndReportTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-report-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Theory]
    [InlineData(0.0, "0")]
    [InlineData(3.0, "3")]
    [InlineData(0.12345, "0.1235")]
    [InlineData(82.456, "82.456")]
    [InlineData(123.456, "123.46")]
    [InlineData(0.00001234, "1.234e-5")]
    [InlineData(double.NaN, "")]
    public void NumbersAreFormattedByMagnitude(double x, string expected) => Assert.Equal(expected, FrameHtml.FormatValue(x));

    [Fact]
    public void FrameHtmlIsATableThatElidesTheMiddleRows()
    {
        var t = new TableBuilder();
        for (int i = 0; i < 50; i++) t.Add(("i", i), ("name", $"row<{i}>"), ("x", i / 3.0));
        var html = FrameHtml.ToHtml(t.ToFrame(), maxRows: 10);
        Assert.Contains("<table class=\"spikekit-frame\">", html);
        Assert.Contains("50 rows × 3 columns".Replace("×", "&#215;"), html);
        Assert.Contains("row&lt;0&gt;", html);
        Assert.Contains("row&lt;49&gt;", html);
        Assert.DoesNotContain("row&lt;25&gt;", html);
        Assert.Contains("… 40 more rows …", html);
        Assert.Equal(1 + 10, html.Split("<tr><th>").Length - 1);            // header + 10 rows
        // The object overload (what a notebook formatter receives) dispatches on the frame's generic type.
        Assert.Equal(html, FrameHtml.ToHtml((object)t.ToFrame(), maxRows: 10));
        var series = new Series<string, double>(["a", "b"], [1.5, 2.25]);
        Assert.Contains("<th>b</th><td>2.250</td>", FrameHtml.ToHtml((object)series));
    }

    [Fact]
    public void MarkdownTableHasHeaderAlignmentAndRows()
    {
        var t = new TableBuilder();
        t.Add(("variant", "rmp"), ("qe", 0.1));
        var md = FrameMarkdown.ToMarkdown(t.ToFrame(), null).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["| variant | qe |", "|---|---:|", "| rmp | 0.1000 |"], md);
    }

    [Fact]
    public void ReportWritesMarkdownAndChartsForAnAblationFolder()
    {
        ResultFolder.WriteAblation(_dir);
        var files = ReportWriter.Write(_dir);
        var md = File.ReadAllText(files.Markdown);
        Assert.Equal(Path.Combine(_dir, "report.md"), files.Markdown);
        Assert.Contains("| baseline | 2 | 82.00 ± 2.83 |", md);
        Assert.Contains("| rmp | 2 | 82.00 ± 0.00 |", md);
        Assert.Contains("(charts/potentials.html)", md);
        Assert.Equal(["accuracy.html", "loss.html", "quantization-error.html", "firing-rate.html", "near-spike-share.html", "potentials.html", "variants.html"],
            files.Charts.Select(Path.GetFileName));
        Assert.All(files.Charts, c => Assert.Contains("newPlot", File.ReadAllText(c)));
    }

    [Fact]
    public async Task TheKernelExtensionMakesFramesChartsAndPaperTablesRenderAsHtml()
    {
        ResultFolder.WriteAblation(_dir);
        using var kernel = new Microsoft.DotNet.Interactive.CompositeKernel();
        await new SpikeKit.Interactive.SpikeKitKernelExtension().OnLoadAsync(kernel);
        var results = ResultSet.Load(_dir);
        string Html(object o) => Microsoft.DotNet.Interactive.Formatting.Formatter.ToDisplayString(o, "text/html");
        Assert.Contains("<table class=\"spikekit-frame\">", Html(results.SummaryTable()));
        Assert.Contains("<table class=\"spikekit-frame\">", Html(results));
        Assert.Contains("newPlot", Html(Plotting.Charts.AccuracyCurves(results)));
        Assert.Equal(["text/html"], Microsoft.DotNet.Interactive.Formatting.Formatter.GetPreferredMimeTypesFor(typeof(Plotly.NET.GenericChart)));
        var summary = results.Runs[0].Summary;
        Assert.Contains("final test accuracy (%)", Html(summary!));
    }
}

/// <summary>The output page of a kernel-free twin.</summary>
public class NotebookOutputTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-twin-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void ShowPutsTablesChartsAndTextOnOnePageAndSavesEachChart()
    {
        ResultFolder.WriteAblation(Path.Combine(_dir, "runs"));
        var results = ResultSet.Load(Path.Combine(_dir, "runs"));
        var output = new Notebooks.NotebookOutput("99-test", Path.Combine(_dir, "twin"));
        Assert.Same(results, output.Show(results));
        output.Show(Plotting.Charts.AccuracyCurves(results), "Accuracy curves");
        Assert.Equal("a <note>", output.Show("a <note>"));
        var page = File.ReadAllText(Path.Combine(_dir, "twin", "99-test.html"));
        var parts = page.Split("<div class=\"spikekit-output\">");
        Assert.Equal(4, parts.Length);
        Assert.Contains("<table class=\"spikekit-frame\">", parts[1]);
        Assert.Contains("newPlot", parts[2]);
        Assert.Contains("<pre>a &lt;note&gt;</pre>", parts[3]);
        var chart = Path.Combine(_dir, "twin", "charts", "01-accuracy-curves.html");
        Assert.Contains(chart, output.ChartFiles);
        Assert.Contains("newPlot", File.ReadAllText(chart));
    }
}
