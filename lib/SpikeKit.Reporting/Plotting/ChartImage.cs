using System.Diagnostics;
using Plotly.NET;

namespace SpikeKit.Reporting.Plotting;

/// <summary>
/// Static images of Plotly.NET charts for papers: PNG (a screenshot) and PDF (vector, printed by the browser), made without
/// network access. plotly.js draws the chart in a headless Chromium from an offline page (<see cref="ChartHtml.Standalone"/>
/// with plotly.js embedded), so the image is exactly what the HTML chart shows. Needs a Chromium or Chrome binary: the
/// <c>SPIKEKIT_CHROMIUM</c> environment variable, else <c>chromium</c>, <c>chromium-browser</c>, <c>google-chrome</c> on
/// the PATH (Debian: <c>apt-get install chromium</c>).
/// </summary>
public static class ChartImage
{
    /// <summary>The browser binary found (see the class remarks), or null when there is none.</summary>
    public static string? Browser
    {
        get
        {
            var set = Environment.GetEnvironmentVariable("SPIKEKIT_CHROMIUM");
            if (!string.IsNullOrEmpty(set)) return File.Exists(set) ? set : null;
            var path = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
            return new[] { "chromium", "chromium-browser", "google-chrome" }
                .SelectMany(n => path.Select(d => Path.Combine(d, n))).FirstOrDefault(File.Exists);
        }
    }

    /// <summary>
    /// Writes <paramref name="chart"/> as a PNG or PDF image, chosen by the extension of <paramref name="path"/>
    /// (folders created), and returns the full path.
    /// </summary>
    /// <param name="chart">The chart.</param>
    /// <param name="path">A <c>.png</c> or <c>.pdf</c> file.</param>
    /// <param name="width">Width in CSS pixels (the PNG's pixels; the PDF page is sized to fit).</param>
    /// <param name="height">Height in CSS pixels.</param>
    /// <exception cref="ArgumentException">For another extension.</exception>
    /// <exception cref="InvalidOperationException">When no browser is found, or it fails or writes no file (the message says which).</exception>
    public static string Save(GenericChart chart, string path, int width = 900, int height = 560)
    {
        ArgumentNullException.ThrowIfNull(chart);
        var full = Path.GetFullPath(path);
        var ext = Path.GetExtension(full).ToLowerInvariant();
        if (ext is not (".png" or ".pdf")) throw new ArgumentException($"{path}: a chart image is .png or .pdf", nameof(path));
        var browser = Browser ?? throw new InvalidOperationException(
            "saving a chart as an image needs Chromium (apt-get install chromium, or set SPIKEKIT_CHROMIUM to a Chrome binary)");
        if (Path.GetDirectoryName(full) is { } dir) Directory.CreateDirectory(dir);
        var work = Directory.CreateTempSubdirectory("spikekit-chart-").FullName;
        try
        {
            var sized = Chart.withSize((double)width, (double)height).Invoke(chart);
            var page = Path.Combine(work, "chart.html");
            File.WriteAllText(page, ChartHtml.Standalone(sized, offline: true)
                .Replace("<body>", $"<body style=\"margin:0\"><style>@page {{ size: {width}px {height}px; margin: 0 }} .modebar-container {{ display: none !important }}</style>", StringComparison.Ordinal));
            File.Delete(full);
            var output = ext == ".png" ? $"--screenshot={full}" : $"--print-to-pdf={full}";
            var psi = new ProcessStartInfo(browser)
            {
                RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
                ArgumentList =
                {
                    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-pdf-header-footer",
                    "--virtual-time-budget=10000", $"--user-data-dir={Path.Combine(work, "profile")}",
                    $"--window-size={width},{height}", output, new Uri(page).AbsoluteUri,
                },
            };
            using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {browser}");
            var stderr = process.StandardError.ReadToEndAsync();
            process.StandardOutput.ReadToEnd();
            if (!process.WaitForExit(120_000)) { process.Kill(true); throw new InvalidOperationException($"{browser} did not finish within 2 minutes"); }
            if (process.ExitCode != 0 || !File.Exists(full) || new FileInfo(full).Length == 0)
                throw new InvalidOperationException($"{browser} exited {process.ExitCode} without writing {full}: {stderr.Result.Trim().Split('\n').LastOrDefault()}");
            return full;
        }
        finally { Directory.Delete(work, recursive: true); }
    }
}
