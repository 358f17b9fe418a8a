using System.Text;
using Deedle;

namespace SpikeKit.Reporting.Frames;

/// <summary>Deedle frames as GitHub-flavoured markdown tables (cells formatted as by <see cref="FrameHtml.FormatValue"/>; columns
/// right-aligned where <see cref="FrameHtml.IsNumericColumn"/> holds).</summary>
public static class FrameMarkdown
{
    /// <summary>The frame as a markdown table; <paramref name="rowKeyHeader"/> heads the row-key column (null: no row-key column).</summary>
    public static string ToMarkdown<TRow, TColumn>(Frame<TRow, TColumn> frame, string? rowKeyHeader = "")
        where TRow : notnull where TColumn : notnull
    {
        ArgumentNullException.ThrowIfNull(frame);
        var cols = frame.ColumnKeys.ToList();
        var series = cols.Select(c => frame.GetColumn<object>(c)).ToList();
        var sb = new StringBuilder();
        var header = cols.Select(c => Escape(FrameHtml.FormatValue(c))).ToList();
        if (rowKeyHeader is not null) header.Insert(0, Escape(rowKeyHeader));
        sb.Append("| ").Append(string.Join(" | ", header)).AppendLine(" |");
        var align = series.Select(s => FrameHtml.IsNumericColumn(s.Values.Cast<object?>()) ? "---:" : "---").ToList();
        if (rowKeyHeader is not null) align.Insert(0, "---");
        sb.Append('|').Append(string.Join("|", align)).AppendLine("|");
        for (int i = 0; i < frame.RowCount; i++)
        {
            var cells = series.Select(s => { var v = s.TryGetAt(i); return Escape(FrameHtml.FormatValue(v.HasValue ? v.Value : null)); }).ToList();
            if (rowKeyHeader is not null) cells.Insert(0, Escape(FrameHtml.FormatValue(frame.GetRowKeyAt(i))));
            sb.Append("| ").Append(string.Join(" | ", cells)).AppendLine(" |");
        }
        return sb.ToString();
    }

    static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal).Replace("\n", " ", StringComparison.Ordinal);
}
