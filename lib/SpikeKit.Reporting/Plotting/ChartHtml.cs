using System.Net;
using System.Text;
using Plotly.NET;

namespace SpikeKit.Reporting.Plotting;

/// <summary>
/// HTML for Plotly.NET charts: an inline fragment for notebooks that loads plotly.js itself when the page lacks it (works in
/// Jupyter with or without require.js and in VS Code), and standalone HTML files.
/// </summary>
public static class ChartHtml
{
    /// <summary>The plotly.js version Plotly.NET targets (its CDN URL and embedded copy).</summary>
    public static string PlotlyJsVersion => Globals.PLOTLYJS_VERSION;

    /// <summary>The CDN URL of plotly.js.</summary>
    public static string PlotlyJsCdn => $"https://cdn.plot.ly/plotly-{PlotlyJsVersion}.min.js";

    /// <summary>
    /// A <c>&lt;div&gt;</c> with the chart and a script that draws it, loading plotly.js from the CDN first when
    /// <c>window.Plotly</c> is missing (through require.js when the page has it, else with a script tag).
    /// </summary>
    public static string Inline(GenericChart chart)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var id = "spikekit-" + Guid.NewGuid().ToString("N")[..12];
        var json = GenericChart.toJson(chart);
        var cdn = PlotlyJsCdn;
        var sb = new StringBuilder();
        sb.Append("<div class=\"spikekit-plotly\"><div id=\"").Append(id).Append("\"></div>\n<script type=\"text/javascript\">\n")
          .Append("(function () {\n")
          .Append("  var fig = ").Append(json).Append(";\n")
          .Append("  var draw = function (P) { P.newPlot('").Append(id).Append("', fig.data, fig.layout, fig.config); };\n")
          .Append("  if (typeof window.Plotly !== 'undefined') { draw(window.Plotly); return; }\n")
          .Append("  if (typeof window.requirejs === 'function') {\n")
          .Append("    window.requirejs.config({ paths: { plotly: '").Append(cdn[..^3]).Append("' } });\n")
          .Append("    window.requirejs(['plotly'], function (P) { window.Plotly = P; draw(P); });\n")
          .Append("    return;\n  }\n")
          .Append("  var s = document.createElement('script'); s.src = '").Append(cdn).Append("';\n")
          .Append("  s.onload = function () { draw(window.Plotly); }; document.head.appendChild(s);\n")
          .Append("})();\n</script></div>");
        return sb.ToString();
    }

    /// <summary>A complete HTML page with the chart. <paramref name="offline"/> embeds plotly.js (about 3.5 MB) instead of
    /// referencing the CDN, so the file opens without network.</summary>
    public static string Standalone(GenericChart chart, string title = "SpikeKit chart", bool offline = false)
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>\n");
        if (offline) sb.Append("<script type=\"text/javascript\">").Append(EmbeddedPlotlyJs()).Append("</script>\n");
        else sb.Append("<script src=\"").Append(PlotlyJsCdn).Append("\" charset=\"utf-8\"></script>\n");
        sb.Append("</head><body>\n").Append(Inline(chart)).Append("\n</body></html>\n");
        return sb.ToString();
    }

    /// <summary>Writes <see cref="Standalone"/> to <paramref name="path"/> (folders created) and returns the full path.</summary>
    public static string Save(GenericChart chart, string path, string title = "SpikeKit chart", bool offline = false)
    {
        var full = Path.GetFullPath(path);
        if (Path.GetDirectoryName(full) is { } dir) Directory.CreateDirectory(dir);
        File.WriteAllText(full, Standalone(chart, title, offline));
        return full;
    }

    static string? _plotlyJs;

    static string EmbeddedPlotlyJs()
    {
        if (_plotlyJs is not null) return _plotlyJs;
        var asm = typeof(GenericChart).Assembly;
        var name = asm.GetManifestResourceNames().FirstOrDefault(n => n.EndsWith(".min.js", StringComparison.Ordinal) && n.Contains("plotly", StringComparison.OrdinalIgnoreCase))
            ?? throw new InvalidOperationException("Plotly.NET carries no embedded plotly.js; save with offline: false");
        using var stream = asm.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return _plotlyJs = reader.ReadToEnd().Replace("</script>", "<\\/script>", StringComparison.Ordinal);
    }
}

/// <summary>Saving charts from C# and F# with one call.</summary>
public static class ChartExtensions
{
    /// <summary>Writes the chart as a standalone HTML page (see <see cref="ChartHtml.Save"/>) and returns the chart, for chaining.</summary>
    public static GenericChart SaveHtmlPage(this GenericChart chart, string path, string title = "SpikeKit chart", bool offline = false)
    {
        ChartHtml.Save(chart, path, title, offline);
        return chart;
    }

    /// <summary>Writes the chart as a PNG or PDF image (by the extension of <paramref name="path"/>; see
    /// <see cref="ChartImage.Save"/>) and returns the chart, for chaining.</summary>
    public static GenericChart SaveImage(this GenericChart chart, string path, int width = 900, int height = 560)
    {
        ChartImage.Save(chart, path, width, height);
        return chart;
    }
}
