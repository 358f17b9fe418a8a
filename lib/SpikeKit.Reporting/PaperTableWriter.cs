using System.Net;
using System.Text;
using SpikeKit.Reporting.Frames;

namespace SpikeKit.Reporting;

/// <summary>
/// A sweep's <see cref="PaperTable"/> as documents: the accuracy table, then the quantization-error table (and the energy table
/// when the runs counted synaptic operations), each with its
/// caption and the notes (runs not complete, sources of the published numbers) — as markdown, as LaTeX (booktabs) and
/// as HTML. <see cref="Write"/> saves them as <c>tables.md</c>, <c>tables.tex</c> and <c>tables.html</c>.
/// </summary>
public static class PaperTableWriter
{
    /// <summary>CSS class of the paper tables' HTML <c>&lt;table&gt;</c> elements.</summary>
    public const string TableClass = "spikekit-paper";

    /// <summary>
    /// The two tables as markdown: each a caption line (<c>Table: …</c>, as pandoc reads it), a blank line and a pipe table;
    /// then the notes, one paragraph each.
    /// </summary>
    public static string Markdown(PaperTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        sb.Append("Table: ").AppendLine(table.AccuracyCaption).AppendLine();
        sb.Append(FrameMarkdown.ToMarkdown(table.AccuracyTable, null)).AppendLine();
        sb.Append("Table: ").AppendLine(table.QuantizationErrorCaption).AppendLine();
        sb.Append(FrameMarkdown.ToMarkdown(table.QuantizationErrorTable, null));
        if (table.EnergyTable is { } energy)
            sb.AppendLine().Append("Table: ").AppendLine(table.EnergyCaption).AppendLine().Append(FrameMarkdown.ToMarkdown(energy, null));
        foreach (var note in Notes(table)) sb.AppendLine().AppendLine(note);
        return sb.ToString();
    }

    /// <summary>
    /// The two tables as LaTeX <c>table</c> floats (see <see cref="FrameLatex.ToLatex"/>), labelled
    /// <c>tab:&lt;sweep&gt;-accuracy</c> and <c>tab:&lt;sweep&gt;-quantization-error</c>, the notes in small type under the
    /// accuracy table (the runs not complete also under the other). Needs <c>\usepackage{booktabs}</c>.
    /// </summary>
    public static string Latex(PaperTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        sb.Append("% Paper tables of sweep ").Append(table.Plan.Name.Replace('\n', ' ')).Append(" (spikekit report); needs \\usepackage{booktabs}\n\n");
        sb.Append(FrameLatex.ToLatex(table.AccuracyTable, null, table.AccuracyCaption, $"tab:{table.Plan.Name}-accuracy", Join(Notes(table))));
        sb.Append('\n');
        sb.Append(FrameLatex.ToLatex(table.QuantizationErrorTable, null, table.QuantizationErrorCaption, $"tab:{table.Plan.Name}-quantization-error",
            table.IncompleteNote));
        if (table.EnergyTable is { } energy)
            sb.Append('\n').Append(FrameLatex.ToLatex(energy, null, table.EnergyCaption, $"tab:{table.Plan.Name}-energy", table.IncompleteNote));
        return sb.ToString();
    }

    /// <summary>
    /// The two tables as one HTML fragment, well-formed XML: a <c>&lt;div class="spikekit-paper-tables"&gt;</c> holding
    /// the accuracy table (<c>&lt;table class="spikekit-paper accuracy"&gt;</c>, see <see cref="FrameHtml.ToTable"/>), the
    /// quantization-error table (class <c>spikekit-paper quantization-error</c>) and the notes as <c>&lt;p class="note"&gt;</c>.
    /// </summary>
    public static string Html(PaperTable table)
    {
        ArgumentNullException.ThrowIfNull(table);
        var sb = new StringBuilder();
        sb.Append("<div class=\"spikekit-paper-tables\">\n");
        sb.Append(FrameHtml.ToTable(table.AccuracyTable, null, table.AccuracyCaption, $"{TableClass} accuracy")).Append('\n');
        sb.Append(FrameHtml.ToTable(table.QuantizationErrorTable, null, table.QuantizationErrorCaption, $"{TableClass} quantization-error")).Append('\n');
        if (table.EnergyTable is { } energy)
            sb.Append(FrameHtml.ToTable(energy, null, table.EnergyCaption, $"{TableClass} energy")).Append('\n');
        foreach (var note in Notes(table)) sb.Append("<p class=\"note\">").Append(WebUtility.HtmlEncode(note)).Append("</p>\n");
        sb.Append("</div>\n");
        return sb.ToString();
    }

    /// <summary>
    /// Writes <c>tables.md</c> (a title, the plan's description, <see cref="Markdown"/>), <c>tables.tex</c>
    /// (<see cref="Latex"/>) and <c>tables.html</c> (a standalone page around <see cref="Html"/>) into <paramref name="outDir"/>.
    /// </summary>
    /// <returns>The three paths, in that order.</returns>
    public static IReadOnlyList<string> Write(PaperTable table, string outDir)
    {
        ArgumentNullException.ThrowIfNull(table);
        Directory.CreateDirectory(outDir);
        var title = $"Paper tables: {table.Plan.Name}";
        var md = new StringBuilder().Append("# ").AppendLine(title).AppendLine();
        if (!string.IsNullOrWhiteSpace(table.Plan.Description)) md.AppendLine(table.Plan.Description.Trim()).AppendLine();
        md.Append(Markdown(table));
        var html = new StringBuilder()
            .Append("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>").Append(WebUtility.HtmlEncode(title)).Append("</title>\n<style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em}")
            .Append("table.").Append(TableClass).Append("{border-collapse:collapse;margin:1.5em 0;border-top:2px solid;border-bottom:2px solid}")
            .Append("table.").Append(TableClass).Append(" caption{caption-side:top;text-align:left;padding-bottom:.5em}")
            .Append("table.").Append(TableClass).Append(" thead th{border-bottom:1px solid}")
            .Append("table.").Append(TableClass).Append(" th,table.").Append(TableClass).Append(" td{padding:.25em .75em}")
            .Append("table.").Append(TableClass).Append(" .num{text-align:right;font-variant-numeric:tabular-nums}")
            .Append("table.").Append(TableClass).Append(" .text{text-align:left}")
            .Append("p.note{font-size:smaller}</style></head>\n<body>\n<h1>").Append(WebUtility.HtmlEncode(title)).Append("</h1>\n");
        if (!string.IsNullOrWhiteSpace(table.Plan.Description)) html.Append("<p>").Append(WebUtility.HtmlEncode(table.Plan.Description.Trim())).Append("</p>\n");
        html.Append(Html(table)).Append("</body></html>\n");
        var paths = new[] { "tables.md", "tables.tex", "tables.html" }.Select(f => Path.GetFullPath(Path.Combine(outDir, f))).ToList();
        File.WriteAllText(paths[0], md.ToString());
        File.WriteAllText(paths[1], Latex(table));
        File.WriteAllText(paths[2], html.ToString());
        return paths;
    }

    static List<string> Notes(PaperTable table) => new[] { table.IncompleteNote, table.SourcesNote }.OfType<string>().ToList();

    static string? Join(List<string> notes) => notes.Count == 0 ? null : string.Join(" ", notes);
}
