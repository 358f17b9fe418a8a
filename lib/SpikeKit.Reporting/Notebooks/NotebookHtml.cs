using System.Globalization;
using System.Net;
using Plotly.NET;
using SpikeKit.Reporting.Frames;
using SpikeKit.Reporting.Plotting;
using SpikeKit.Runs;

namespace SpikeKit.Reporting.Notebooks;

/// <summary>
/// The HTML a notebook shows for SpikeKit's values — one rule for the kernel extension (<c>SpikeKit.Interactive</c>) and
/// the kernel-free twins (<see cref="NotebookOutput"/>), so both show the same tables and charts: Deedle frames and series
/// (<see cref="FrameHtml"/>), Plotly.NET charts (<see cref="ChartHtml.Inline"/>), <see cref="PaperTable"/>
/// (<see cref="PaperTableWriter.Html"/>), <see cref="ResultSet"/> (its <see cref="ResultSet.SummaryTable"/>) and
/// <see cref="RunSummary"/> (its headline numbers).
/// </summary>
public static class NotebookHtml
{
    /// <summary>Rows a frame shows before the middle is elided (default 20).</summary>
    public static int MaxRows { get; set; } = 20;

    /// <summary>Columns a frame shows before the rest are elided (default 30).</summary>
    public static int MaxColumns { get; set; } = 30;

    /// <summary>The types <see cref="ToHtml"/> renders (generic definitions for frames and series).</summary>
    public static IReadOnlyList<Type> Types { get; } =
        [typeof(Deedle.Frame<,>), typeof(Deedle.Series<,>), typeof(GenericChart), typeof(PaperTable), typeof(ResultSet), typeof(RunSummary)];

    /// <summary>The HTML of <paramref name="value"/> when it is one of <see cref="Types"/>, else null.</summary>
    public static string? ToHtml(object? value) => value switch
    {
        null => null,
        GenericChart chart => ChartHtml.Inline(chart),
        PaperTable table => PaperTableWriter.Html(table),
        ResultSet results => FrameHtml.ToHtml(results.SummaryTable(), MaxRows, MaxColumns),
        RunSummary summary => SummaryHtml(summary),
        _ when IsFrameOrSeries(value.GetType()) => FrameHtml.ToHtml(value, MaxRows, MaxColumns),
        _ => null,
    };

    static bool IsFrameOrSeries(Type t)
    {
        for (var b = t; b is not null; b = b.BaseType)
            if (b.IsGenericType && b.GetGenericTypeDefinition() is var d && (d == typeof(Deedle.Frame<,>) || d == typeof(Deedle.Series<,>)))
                return true;
        return false;
    }

    static string SummaryHtml(RunSummary s) =>
        "<table class=\"spikekit-summary\"><tbody>" +
        Row("variant", s.Config.Variant) + Row("status", s.Status.ToString().ToLowerInvariant()) +
        Row("epochs", s.EpochsCompleted.ToString(CultureInfo.InvariantCulture)) +
        Row("final test accuracy (%)", (100 * s.FinalTestAccuracy).ToString("F2", CultureInfo.InvariantCulture)) +
        Row("mean quantization error", s.FinalMeanQuantizationError.ToString("F4", CultureInfo.InvariantCulture)) +
        Row("mean firing rate", s.FinalMeanFiringRate.ToString("F3", CultureInfo.InvariantCulture)) +
        "</tbody></table>";

    static string Row(string name, string value) => $"<tr><th>{WebUtility.HtmlEncode(name)}</th><td>{WebUtility.HtmlEncode(value)}</td></tr>";
}
