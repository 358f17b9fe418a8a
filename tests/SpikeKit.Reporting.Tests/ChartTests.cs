using System.Text.Json;
using Plotly.NET;
using SpikeKit.Reporting.Frames;
using SpikeKit.Reporting.Plotting;

namespace SpikeKit.Reporting.Tests;

/// <summary>Charts built from small result folders: their traces (names, x, y, error bars) and their HTML.</summary>
public class ChartTests : IDisposable
{
    readonly string _dir = Directory.CreateTempSubdirectory("spikekit-charts-").FullName;
    public void Dispose() => Directory.Delete(_dir, recursive: true);

    static JsonElement[] Traces(GenericChart chart) =>
        JsonDocument.Parse(GenericChart.toJson(chart)).RootElement.GetProperty("data").EnumerateArray().ToArray();

    static JsonElement Layout(GenericChart chart) => JsonDocument.Parse(GenericChart.toJson(chart)).RootElement.GetProperty("layout");

    static double[] Numbers(JsonElement e, string name) => e.GetProperty(name).EnumerateArray().Select(x => x.GetDouble()).ToArray();

    ResultSet Ablation()
    {
        ResultFolder.WriteAblation(_dir);
        return ResultSet.Load(_dir);
    }

    [Fact]
    public void AccuracyCurvesHaveOneLinePerVariantWithMeanAndStd()
    {
        var t = Traces(Charts.AccuracyCurves(Ablation()));
        Assert.Equal(["baseline", "rmp"], t.Select(x => x.GetProperty("name").GetString()));
        Assert.Equal([1.0, 2.0], Numbers(t[0], "x"));
        Assert.Equal([71.0, 82.0], Numbers(t[0], "y").Select(v => Math.Round(v, 9)));
        Assert.Equal(Math.Sqrt(8), Numbers(t[0].GetProperty("error_y"), "array")[1], 9);
        Assert.Equal(4, Traces(Charts.AccuracyCurves(Ablation(), includeTrain: true)).Length);
    }

    [Fact]
    public void LossCurvesHaveTrainAndTestPerVariant()
    {
        var t = Traces(Charts.LossCurves(Ablation()));
        Assert.Equal(["baseline train", "baseline test", "rmp train", "rmp test"], t.Select(x => x.GetProperty("name").GetString()));
        Assert.Equal([1.0, 0.5], Numbers(t[0], "y"));
        Assert.Equal("dash", t[1].GetProperty("line").GetProperty("dash").GetString());
    }

    [Fact]
    public void QuantizationErrorAndFiringRateAreGroupedBarsPerLayer()
    {
        var chart = Charts.QuantizationErrorByLayer(Ablation());
        var t = Traces(chart);
        Assert.All(t, x => Assert.Equal("bar", x.GetProperty("type").GetString()));
        Assert.Equal(["lif1", "lif2"], t[0].GetProperty("x").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal([0.13, 0.26], Numbers(t[0], "y").Select(v => Math.Round(v, 9)));   // baseline: mean of 0.12/0.14 and 0.24/0.28
        Assert.Equal([0.09, 0.18], Numbers(t[1], "y").Select(v => Math.Round(v, 9)));
        Assert.Equal("group", Layout(chart).GetProperty("barmode").GetString());
        var fr = Traces(Charts.FiringRateByLayer(Ablation()));
        Assert.Equal([0.1, 0.2], Numbers(fr[1], "y"));
    }

    [Fact]
    public void PotentialDistributionsOverlayBaselineAndRmpPerLayer()
    {
        var chart = Charts.PotentialDistributions(Ablation());
        var t = Traces(chart);
        Assert.Equal(4, t.Length);                                                          // 2 variants × 2 layers
        Assert.Equal(["baseline", "baseline", "rmp", "rmp"], t.Select(x => x.GetProperty("name").GetString()));
        Assert.Equal(["x", "x2", "x", "x2"], t.Select(x => x.TryGetProperty("xaxis", out var a) ? a.GetString() : "x"));
        Assert.Equal([0.2, 0.4, 0.6, 0.8], Numbers(t[0], "y").Select(v => Math.Round(v, 9)));
        var layout = Layout(chart);
        Assert.Equal("overlay", layout.GetProperty("barmode").GetString());
        Assert.Equal(6, layout.GetProperty("shapes").GetArrayLength());                    // 0, 1 and V_th in each panel
        Assert.Equal(2, Traces(Charts.PotentialDistributions(Ablation(), ["rmp"])).Length);
    }

    [Fact]
    public void LambdaSensitivityPlotsAccuracyAndQuantizationErrorAgainstLambda()
    {
        ResultFolder.WriteRun(Path.Combine(_dir, "a", "seed0"), "rmp", 0, [0.8], 0.2, rmpLambda: 0);
        ResultFolder.WriteRun(Path.Combine(_dir, "b", "seed0"), "rmp", 0, [0.7], 0.1, rmpLambda: 2);
        var t = Traces(Charts.LambdaSensitivity(ResultSet.Load(_dir)));
        Assert.Equal(2, t.Length);
        Assert.Equal([0.0, 2.0], Numbers(t[0], "x"));
        Assert.Equal([80.0, 70.0], Numbers(t[0], "y").Select(v => Math.Round(v, 9)));
        Assert.Equal([0.3, 0.15], Numbers(t[1], "y").Select(v => Math.Round(v, 9)));
        Assert.Equal("y2", t[1].GetProperty("yaxis").GetString());
    }

    [Fact]
    public void VariantComparisonHasAccuracyAndQuantizationErrorBars()
    {
        var t = Traces(Charts.VariantComparison(Ablation()));
        Assert.Equal(2, t.Length);
        Assert.Equal([82.0, 82.0], Numbers(t[0], "y").Select(v => Math.Round(v, 9)));
        Assert.Equal([0.195, 0.135], Numbers(t[1], "y").Select(v => Math.Round(v, 9)));
    }

    [Fact]
    public void KitChartsCanBeRestyledWithPlotlyNetsOwnApi()
    {
        var chart = Charts.PotentialDistributions(Ablation());
        chart = Chart.withTitle("restyled", Microsoft.FSharp.Core.FSharpOption<Font>.None).Invoke(chart);
        chart = Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(chart, TitleText: "p(u)");
        var layout = Layout(chart);
        Assert.Equal("restyled", layout.GetProperty("title").GetProperty("text").GetString());
        Assert.Equal("p(u)", layout.GetProperty("yaxis").GetProperty("title").GetProperty("text").GetString());
        Assert.Equal(6, layout.GetProperty("shapes").GetArrayLength());
    }

    [Fact]
    public void InlineHtmlLoadsPlotlyWhenMissingAndSavedPageReferencesIt()
    {
        var chart = Charts.AccuracyCurves(Ablation());
        var html = ChartHtml.Inline(chart);
        Assert.Contains("Plotly", html);
        Assert.Contains(ChartHtml.PlotlyJsCdn, html);
        Assert.Contains("\"name\":\"baseline\"", html);
        var path = ChartHtml.Save(chart, Path.Combine(_dir, "out", "acc.html"), "Accuracy");
        var page = File.ReadAllText(path);
        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains("<title>Accuracy</title>", page);
        Assert.Contains($"<script src=\"{ChartHtml.PlotlyJsCdn}\"", page);
        var offline = ChartHtml.Save(chart, Path.Combine(_dir, "out", "acc-offline.html"), offline: true);
        Assert.True(new FileInfo(offline).Length > 1_000_000, "plotly.js embedded");
        Assert.DoesNotContain("cdn.plot.ly/plotly-" + ChartHtml.PlotlyJsVersion + ".min.js\" charset", File.ReadAllText(offline));
    }
}
