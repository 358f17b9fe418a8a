using System.Text;
using Deedle;

namespace SpikeKit.Reporting.Frames;

/// <summary>
/// Deedle frames as LaTeX <c>table</c> floats in the booktabs style (<c>\toprule</c>, <c>\midrule</c>, <c>\bottomrule</c>;
/// needs <c>\usepackage{booktabs}</c>). Cells are formatted as by <see cref="FrameHtml.FormatValue"/> and escaped with
/// <see cref="Escape"/>; columns that hold numbers are right-aligned, the others left-aligned.
/// </summary>
public static class FrameLatex
{
    /// <summary>The frame as a <c>table</c> float.</summary>
    /// <param name="frame">The frame.</param>
    /// <param name="rowKeyHeader">Heads the row-key column; null: no row-key column.</param>
    /// <param name="caption">The caption (plain text, escaped here); null or empty: none.</param>
    /// <param name="label">The <c>\label</c> key (characters other than letters, digits, <c>:</c>, <c>-</c> and <c>.</c>
    /// become <c>-</c>); null or empty: none.</param>
    /// <param name="note">Plain text set in small type under the tabular (e.g. a footnote); null or empty: none.</param>
    public static string ToLatex<TRow, TColumn>(Frame<TRow, TColumn> frame, string? rowKeyHeader, string? caption, string? label, string? note)
        where TRow : notnull where TColumn : notnull
    {
        ArgumentNullException.ThrowIfNull(frame);
        var columns = frame.ColumnKeys.ToList();
        var series = columns.Select(c => frame.GetColumn<object>(c)).ToList();
        var spec = new StringBuilder();
        if (rowKeyHeader is not null) spec.Append('l');
        foreach (var s in series) spec.Append(FrameHtml.IsNumericColumn(s.Values.Cast<object?>()) ? 'r' : 'l');

        var sb = new StringBuilder();
        sb.Append("\\begin{table}[t]\n  \\centering\n");
        if (!string.IsNullOrEmpty(caption)) sb.Append("  \\caption{").Append(Escape(caption)).Append("}\n");
        if (!string.IsNullOrEmpty(label)) sb.Append("  \\label{").Append(Label(label)).Append("}\n");
        sb.Append("  \\begin{tabular}{").Append(spec).Append("}\n    \\toprule\n");
        var header = columns.Select(c => Escape(FrameHtml.FormatValue(c))).ToList();
        if (rowKeyHeader is not null) header.Insert(0, Escape(rowKeyHeader));
        Row(sb, header);
        sb.Append("    \\midrule\n");
        for (int i = 0; i < frame.RowCount; i++)
        {
            var cells = series.Select(s => { var v = s.TryGetAt(i); return Escape(FrameHtml.FormatValue(v.HasValue ? v.Value : null)); }).ToList();
            if (rowKeyHeader is not null) cells.Insert(0, Escape(FrameHtml.FormatValue(frame.GetRowKeyAt(i))));
            Row(sb, cells);
        }
        sb.Append("    \\bottomrule\n  \\end{tabular}\n");
        if (!string.IsNullOrEmpty(note)) sb.Append("  \\par\\smallskip{\\footnotesize ").Append(Escape(note)).Append("}\n");
        sb.Append("\\end{table}\n");
        return sb.ToString();
    }

    static void Row(StringBuilder sb, IEnumerable<string> cells) => sb.Append("    ").Append(string.Join(" & ", cells)).Append(" \\\\\n");

    static string Label(string label) =>
        new(label.Select(c => char.IsAsciiLetterOrDigit(c) || c is ':' or '-' or '.' ? c : '-').ToArray());

    /// <summary>
    /// Plain text as LaTeX text: the special characters <c>\ { } $ &amp; # % _ ^ ~</c> escaped, <c>&lt; &gt; |</c> in math
    /// mode, and the symbols the kit's tables use in math mode or as TeX ligatures (± → <c>$\pm$</c>, Δ, λ, τ, ×, ·, −,
    /// ≤, ≥, → ; — → <c>---</c>, – → <c>--</c>). Other characters are kept (UTF-8 input).
    /// </summary>
    public static string Escape(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var sb = new StringBuilder(text.Length + 16);
        foreach (var ch in text)
            sb.Append(ch switch
            {
                '\\' => "\\textbackslash{}",
                '{' => "\\{",
                '}' => "\\}",
                '$' => "\\$",
                '&' => "\\&",
                '#' => "\\#",
                '%' => "\\%",
                '_' => "\\_",
                '^' => "\\textasciicircum{}",
                '~' => "\\textasciitilde{}",
                '<' => "$<$",
                '>' => "$>$",
                '|' => "$|$",
                '±' => "$\\pm$",
                'Δ' => "$\\Delta$",
                'λ' => "$\\lambda$",
                'τ' => "$\\tau$",
                '×' => "$\\times$",
                '·' => "$\\cdot$",
                '−' => "$-$",
                '≤' => "$\\leq$",
                '≥' => "$\\geq$",
                '→' => "$\\rightarrow$",
                '—' => "---",
                '–' => "--",
                _ => ch.ToString(),
            });
        return sb.ToString();
    }
}
