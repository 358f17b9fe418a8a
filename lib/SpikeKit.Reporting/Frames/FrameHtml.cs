using System.Globalization;
using System.Net;
using System.Reflection;
using System.Text;
using Deedle;

namespace SpikeKit.Reporting.Frames;

/// <summary>
/// Renders Deedle frames and series as HTML tables for notebooks: row keys in the first column, numbers right-aligned with
/// a precision that suits their size (see <see cref="FormatValue"/>), missing values as an empty cell, and at most
/// <c>maxRows</c> rows (the first and last halves, with the elided count in between) and <c>maxColumns</c> columns.
/// </summary>
public static class FrameHtml
{
    /// <summary>The CSS class of every table this writes.</summary>
    public const string TableClass = "spikekit-frame";

    /// <summary>Renders a frame.</summary>
    public static string ToHtml<TRow, TColumn>(Frame<TRow, TColumn> frame, int maxRows = 20, int maxColumns = 30)
        where TRow : notnull where TColumn : notnull
    {
        ArgumentNullException.ThrowIfNull(frame);
        var columns = frame.ColumnKeys.ToList();
        var shownColumns = columns.Take(Math.Max(1, maxColumns)).ToList();
        var series = shownColumns.Select(c => frame.GetColumn<object>(c)).ToList();
        var rows = RowPlan(frame.RowCount, maxRows);
        var sb = new StringBuilder();
        Open(sb, $"{frame.RowCount} rows × {frame.ColumnCount} columns");
        sb.Append("<thead><tr><th></th>");
        foreach (var c in shownColumns) sb.Append("<th>").Append(Encode(c)).Append("</th>");
        if (columns.Count > shownColumns.Count) sb.Append("<th>…</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var i in rows)
        {
            if (i < 0) { Ellipsis(sb, shownColumns.Count + 1 + (columns.Count > shownColumns.Count ? 1 : 0), -i); continue; }
            sb.Append("<tr><th>").Append(Encode(frame.GetRowKeyAt(i))).Append("</th>");
            foreach (var s in series)
            {
                var v = s.TryGetAt(i);
                Cell(sb, v.HasValue ? v.Value : null);
            }
            if (columns.Count > shownColumns.Count) sb.Append("<td>…</td>");
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></div>");
        return sb.ToString();
    }

    /// <summary>
    /// Renders a frame as one standalone <c>&lt;table class="<paramref name="cssClass"/>"&gt;</c> for a document (every row,
    /// no style element): an optional <c>&lt;caption&gt;</c>, <c>&lt;thead&gt;</c> with the column keys, <c>&lt;tbody&gt;</c>
    /// with one <c>&lt;tr&gt;</c> per row. Cells of columns that hold numbers (see <see cref="IsNumericColumn"/>) have class
    /// <c>num</c>, the others <c>text</c>; the row key, when shown, is a <c>&lt;th scope="row"&gt;</c>. The output is
    /// well-formed XML.
    /// </summary>
    /// <param name="frame">The frame.</param>
    /// <param name="rowKeyHeader">Heads the row-key column; null: no row-key column.</param>
    /// <param name="caption">The caption; null or empty: none.</param>
    /// <param name="cssClass">The table's class attribute.</param>
    public static string ToTable<TRow, TColumn>(Frame<TRow, TColumn> frame, string? rowKeyHeader, string? caption, string cssClass)
        where TRow : notnull where TColumn : notnull
    {
        ArgumentNullException.ThrowIfNull(frame);
        var columns = frame.ColumnKeys.ToList();
        var series = columns.Select(c => frame.GetColumn<object>(c)).ToList();
        var kinds = series.Select(c => IsNumericColumn(c.Values.Cast<object?>()) ? "num" : "text").ToList();
        var sb = new StringBuilder();
        sb.Append("<table class=\"").Append(Encode(cssClass)).Append("\">");
        if (!string.IsNullOrEmpty(caption)) sb.Append("<caption>").Append(Encode(caption)).Append("</caption>");
        sb.Append("<thead><tr>");
        if (rowKeyHeader is not null) sb.Append("<th class=\"text\">").Append(Encode(rowKeyHeader)).Append("</th>");
        for (int j = 0; j < columns.Count; j++) sb.Append("<th class=\"").Append(kinds[j]).Append("\">").Append(Encode(columns[j])).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        for (int i = 0; i < frame.RowCount; i++)
        {
            sb.Append("<tr>");
            if (rowKeyHeader is not null) sb.Append("<th scope=\"row\" class=\"text\">").Append(Encode(frame.GetRowKeyAt(i))).Append("</th>");
            for (int j = 0; j < columns.Count; j++)
            {
                var v = series[j].TryGetAt(i);
                sb.Append("<td class=\"").Append(kinds[j]).Append("\">").Append(Encode(v.HasValue ? v.Value : null)).Append("</td>");
            }
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table>");
        return sb.ToString();
    }

    /// <summary>
    /// True when a column's values read as numbers, so that tables align them right: every value present is a number or a
    /// string that starts with one (e.g. <c>82.00 ± 2.83</c>, <c>+0.52</c>), or a placeholder for a missing number (empty,
    /// "—", "–", or text starting with "— "), and at least one is a number. Booleans and other text are not.
    /// </summary>
    internal static bool IsNumericColumn(IEnumerable<object?> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        bool any = false;
        foreach (var v in values)
        {
            if (v is null || v is string p && (p.Length == 0 || p is "—" or "–" || p.StartsWith("— ", StringComparison.Ordinal))) continue;
            if (IsNumber(v) || v is string s && StartsWithNumber(s)) any = true;
            else return false;
        }
        return any;
    }

    static bool IsNumber(object? v) => v is double or float or decimal or int or long or short or byte or uint or ulong or ushort or sbyte;

    static bool StartsWithNumber(string s) =>
        s.Length > 0 && (char.IsAsciiDigit(s[0]) || s.Length > 1 && s[0] is '+' or '-' or '−' or '.' && char.IsAsciiDigit(s[1]));

    /// <summary>Renders a series as a two-column table (key, value).</summary>
    public static string ToHtml<TKey, TValue>(Series<TKey, TValue> series, int maxRows = 20) where TKey : notnull
    {
        ArgumentNullException.ThrowIfNull(series);
        var sb = new StringBuilder();
        var keys = series.Keys.ToList();
        Open(sb, $"{keys.Count} values");
        sb.Append("<thead><tr><th></th><th>value</th></tr></thead><tbody>");
        foreach (var i in RowPlan(keys.Count, maxRows))
        {
            if (i < 0) { Ellipsis(sb, 2, -i); continue; }
            sb.Append("<tr><th>").Append(Encode(keys[i])).Append("</th>");
            var v = series.TryGetAt(i);
            Cell(sb, v.HasValue ? v.Value : null);
            sb.Append("</tr>");
        }
        sb.Append("</tbody></table></div>");
        return sb.ToString();
    }

    /// <summary>Renders any <c>Frame&lt;R, C&gt;</c> or <c>Series&lt;K, V&gt;</c> given as an object (what a notebook formatter receives);
    /// anything else is HTML-encoded text.</summary>
    public static string ToHtml(object? value, int maxRows = 20, int maxColumns = 30)
    {
        if (value is null) return "";
        var t = value.GetType();
        for (var b = t; b is not null; b = b.BaseType)
        {
            if (!b.IsGenericType) continue;
            var def = b.GetGenericTypeDefinition();
            if (def == typeof(Frame<,>))
                return (string)FrameMethod.MakeGenericMethod(b.GetGenericArguments()).Invoke(null, [value, maxRows, maxColumns])!;
            if (def == typeof(Series<,>))
                return (string)SeriesMethod.MakeGenericMethod(b.GetGenericArguments()).Invoke(null, [value, maxRows])!;
        }
        return WebUtility.HtmlEncode(value.ToString() ?? "");
    }

    static readonly MethodInfo FrameMethod = typeof(FrameHtml).GetMethods()
        .Single(m => m.Name == nameof(ToHtml) && m.IsGenericMethodDefinition && m.GetParameters()[0].ParameterType.Name.StartsWith("Frame", StringComparison.Ordinal));
    static readonly MethodInfo SeriesMethod = typeof(FrameHtml).GetMethods()
        .Single(m => m.Name == nameof(ToHtml) && m.IsGenericMethodDefinition && m.GetParameters()[0].ParameterType.Name.StartsWith("Series", StringComparison.Ordinal));

    /// <summary>
    /// Formats one cell: integers and integral doubles without decimals; other doubles with 2 decimals from 100 up,
    /// 3 from 1 up, 4 below 1, and in scientific notation below 1e-4 or from 1e7; NaN and null as empty; invariant culture.
    /// </summary>
    public static string FormatValue(object? value) => value switch
    {
        null => "",
        double d => FormatDouble(d),
        float f => FormatDouble(f),
        decimal m => FormatDouble((double)m),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    static string FormatDouble(double d)
    {
        if (double.IsNaN(d)) return "";
        if (double.IsInfinity(d)) return d > 0 ? "∞" : "−∞";
        double a = Math.Abs(d);
        if (a == 0) return "0";
        if (a >= 1e7 || a < 1e-4) return d.ToString("0.###e+0", CultureInfo.InvariantCulture);
        if (d == Math.Round(d) && a < 1e7) return d.ToString("0", CultureInfo.InvariantCulture);
        string f = a >= 100 ? "F2" : a >= 1 ? "F3" : "F4";
        return d.ToString(f, CultureInfo.InvariantCulture);
    }

    /// <summary>Row indices to show; a negative entry −n stands for n elided rows.</summary>
    static IEnumerable<int> RowPlan(int count, int maxRows)
    {
        maxRows = Math.Max(2, maxRows);
        if (count <= maxRows)
        {
            for (int i = 0; i < count; i++) yield return i;
            yield break;
        }
        int head = (maxRows + 1) / 2, tail = maxRows - head;
        for (int i = 0; i < head; i++) yield return i;
        yield return -(count - head - tail);
        for (int i = count - tail; i < count; i++) yield return i;
    }

    static void Open(StringBuilder sb, string caption)
    {
        sb.Append("<div><style>table.").Append(TableClass).Append(" td{text-align:right;font-variant-numeric:tabular-nums}")
          .Append("table.").Append(TableClass).Append(" td.text{text-align:left}</style>")
          .Append("<table class=\"").Append(TableClass).Append("\"><caption style=\"caption-side:bottom;text-align:left\">")
          .Append(Encode(caption)).Append("</caption>");
    }

    static void Cell(StringBuilder sb, object? value)
    {
        sb.Append(IsNumber(value) || value is null ? "<td>" : "<td class=\"text\">").Append(Encode(FormatValue(value))).Append("</td>");
    }

    static void Ellipsis(StringBuilder sb, int span, int elided) =>
        sb.Append("<tr><td colspan=\"").Append(span).Append("\" style=\"text-align:center\">… ").Append(elided).Append(" more rows …</td></tr>");

    static string Encode(object? o) => WebUtility.HtmlEncode(o is string s ? s : FormatValue(o));
}
