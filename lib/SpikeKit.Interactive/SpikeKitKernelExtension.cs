using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using Plotly.NET;
using SpikeKit.Reporting;
using SpikeKit.Reporting.Frames;
using SpikeKit.Reporting.Plotting;

namespace SpikeKit.Interactive;

/// <summary>
/// The .NET Interactive kernel extension of the <c>SpikeKit.Interactive</c> package. The kernel runs it when a notebook loads
/// the package (<c>#r "nuget: SpikeKit.Interactive"</c>; the assembly sits in the package's
/// <c>interactive-extensions/dotnet/</c>): it makes TorchSharp's native backend load
/// (<see cref="SpikeKit.Native.TorchNative.EnsureLoaded"/>) and registers <see cref="Register">the HTML formatters</see>.
/// The notebook still picks the backend package (<c>#r "nuget: TorchSharp-cpu"</c>).
/// </summary>
public sealed class SpikeKitKernelExtension : IKernelExtension
{
    /// <summary>Rows a frame shows before the middle is elided (default 20).</summary>
    public static int MaxRows { get; set; } = 20;

    /// <summary>Columns a frame shows before the rest are elided (default 30).</summary>
    public static int MaxColumns { get; set; } = 30;

    /// <summary>Called by the kernel when the package is loaded.</summary>
    /// <param name="kernel">The kernel that loaded the package.</param>
    public Task OnLoadAsync(Kernel kernel)
    {
        SpikeKit.Native.TorchNative.EnsureLoaded();
        Register();
        if (KernelInvocationContext.Current is { } context)
            KernelInvocationContextExtensions.Display(context,
            $"SpikeKit {typeof(ResultSet).Assembly.GetName().Version?.ToString(3)} loaded: TorchSharp " +
            $"{typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)} ({SpikeKit.Native.TorchNative.Description}); " +
            "Deedle frames, Plotly.NET charts, paper tables and run summaries render as HTML.", "text/plain");
        return Task.CompletedTask;
    }

    /// <summary>
    /// Registers the <c>text/html</c> formatters (and makes HTML their preferred MIME type): Deedle frames and series
    /// (<see cref="FrameHtml"/>), Plotly.NET charts (<see cref="ChartHtml.Inline"/>), <see cref="PaperTable"/>
    /// (<see cref="PaperTableWriter.Html"/>), <see cref="ResultSet"/> (its <see cref="ResultSet.SummaryTable"/>) and
    /// <see cref="SpikeKit.Runs.RunSummary"/> (its headline numbers). Idempotent; the extension calls it.
    /// </summary>
    public static void Register()
    {
        Add(typeof(Deedle.Frame<,>), (o, w) => w.Write(FrameHtml.ToHtml(o, MaxRows, MaxColumns)));
        Add(typeof(Deedle.Series<,>), (o, w) => w.Write(FrameHtml.ToHtml(o, MaxRows, MaxColumns)));
        Add(typeof(GenericChart), (o, w) => w.Write(ChartHtml.Inline((GenericChart)o)));
        Add(typeof(PaperTable), (o, w) => w.Write(PaperTableWriter.Html((PaperTable)o)));
        Add(typeof(ResultSet), (o, w) => w.Write(FrameHtml.ToHtml(((ResultSet)o).SummaryTable(), MaxRows, MaxColumns)));
        Add(typeof(SpikeKit.Runs.RunSummary), (o, w) => w.Write(SummaryHtml((SpikeKit.Runs.RunSummary)o)));
    }

    static void Add(Type type, Action<object, TextWriter> write)
    {
        Formatter.Register(type, write, HtmlFormatter.MimeType);
        Formatter.SetPreferredMimeTypesFor(type, HtmlFormatter.MimeType);
    }

    static string SummaryHtml(SpikeKit.Runs.RunSummary s) =>
        "<table class=\"spikekit-summary\"><tbody>" +
        Row("variant", s.Config.Variant) + Row("status", s.Status.ToString()) +
        Row("final test accuracy (%)", (100 * s.FinalTestAccuracy).ToString("F2", System.Globalization.CultureInfo.InvariantCulture)) +
        Row("mean quantization error", s.FinalMeanQuantizationError.ToString("F4", System.Globalization.CultureInfo.InvariantCulture)) +
        "</tbody></table>";

    static string Row(string name, string value) =>
        $"<tr><th>{System.Net.WebUtility.HtmlEncode(name)}</th><td>{System.Net.WebUtility.HtmlEncode(value)}</td></tr>";
}
