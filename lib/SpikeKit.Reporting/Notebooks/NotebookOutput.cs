using System.Net;
using System.Text;
using Plotly.NET;
using SpikeKit.Reporting.Plotting;

namespace SpikeKit.Reporting.Notebooks;

/// <summary>
/// What a notebook's kernel-free twin (<c>dotnet run notebooks/NAME.cs</c>, <c>dotnet fsi notebooks/NAME.fsx</c>) shows
/// instead of cell outputs. <see cref="Show{T}"/> renders a value as the notebook would (<see cref="NotebookHtml"/>) into
/// one page, <c>DIR/NAME.html</c>, rewritten after every call; each chart is also saved as <c>DIR/charts/NN-name.html</c>
/// and, when Chromium is there (<see cref="ChartImage.Browser"/>), as <c>NN-name.png</c>. Text goes to the page and to the
/// console. <c>notebooks/check-executed.py</c> checks the page as it checks an executed notebook.
/// </summary>
public sealed class NotebookOutput
{
    readonly string _name;
    readonly List<string> _outputs = [];
    int _charts;

    /// <summary>The output of the twin of <paramref name="notebook"/> (e.g. "01-getting-started").</summary>
    /// <param name="notebook">The notebook's name.</param>
    /// <param name="directory">Where the page and charts go; default <c>NotebookPresets.ResultsRoot/twins/NAME</c>.</param>
    public NotebookOutput(string notebook, string? directory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(notebook);
        _name = notebook;
        Directory = Path.GetFullPath(directory ?? Path.Combine(NotebookPresets.ResultsRoot, "twins", notebook));
        System.IO.Directory.CreateDirectory(Directory);
        Console.WriteLine($"{notebook} (kernel-free twin): output in {Page}");
    }

    /// <summary>The folder of the page and the charts.</summary>
    public string Directory { get; }

    /// <summary>The page with every output so far.</summary>
    public string Page => Path.Combine(Directory, _name + ".html");

    /// <summary>Files written for charts so far (HTML, and PNG when Chromium is there).</summary>
    public List<string> ChartFiles { get; } = [];

    /// <summary>
    /// Shows <paramref name="value"/> as the notebook's cell would and returns it: a chart, table or SpikeKit result as HTML,
    /// anything else as text (also printed).
    /// </summary>
    /// <param name="value">The value.</param>
    /// <param name="name">Names a chart's files (default <c>chart</c>).</param>
    public T Show<T>(T value, string? name = null)
    {
        if (value is GenericChart chart)
        {
            var stem = Path.Combine(Directory, "charts", $"{++_charts:00}-{Slug(name ?? "chart")}");
            ChartFiles.Add(ChartHtml.Save(chart, stem + ".html", name ?? _name));
            if (ChartImage.Browser is not null) ChartFiles.Add(ChartImage.Save(chart, stem + ".png"));
            Console.WriteLine($"chart: {string.Join(", ", ChartFiles.Where(f => f.StartsWith(stem, StringComparison.Ordinal)).Select(Path.GetFileName))}");
        }
        var html = NotebookHtml.ToHtml(value);
        if (html is not null && value is not GenericChart) Console.WriteLine($"table: {value!.GetType().Name}{(name is null ? "" : " " + name)}");
        if (html is null)
        {
            var text = value?.ToString() ?? "";
            Console.WriteLine(text);
            html = "<pre>" + WebUtility.HtmlEncode(text) + "</pre>";
        }
        _outputs.Add(html);
        WritePage();
        return value;
    }

    void WritePage()
    {
        var sb = new StringBuilder();
        sb.Append("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(_name))
          .Append("</title></head><body>\n<h1>").Append(WebUtility.HtmlEncode(_name)).Append(" (kernel-free twin)</h1>\n");
        foreach (var o in _outputs) sb.Append("<div class=\"spikekit-output\">\n").Append(o).Append("\n</div>\n");
        sb.Append("</body></html>\n");
        File.WriteAllText(Page, sb.ToString());
    }

    static string Slug(string s) => new(s.Select(c => char.IsAsciiLetterOrDigit(c) ? char.ToLowerInvariant(c) : '-').ToArray());
}
