using System.Globalization;

namespace SpikeKit.Runs;

/// <summary>Invariant-culture CSV formatting (RFC 4180 quoting) shared by every file the kit writes.</summary>
public static class Csv
{
    /// <summary>Formats one value: numbers in invariant culture with round-trip precision, strings quoted when needed.</summary>
    public static string Format(object? value) => value switch
    {
        null => "",
        double d => double.IsNaN(d) ? "NaN" : d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        string s => Quote(s),
        _ => Quote(value.ToString() ?? ""),
    };

    /// <summary>One CSV line from values.</summary>
    public static string Line(IEnumerable<object?> values) => string.Join(",", values.Select(Format));

    static string Quote(string s) =>
        s.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? "\"" + s.Replace("\"", "\"\"") + "\"" : s;

    /// <summary>Splits one CSV line (RFC 4180 quoting).</summary>
    public static string[] Split(string line)
    {
        var fields = new List<string>();
        var sb = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { sb.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else sb.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(sb.ToString()); sb.Clear(); }
            else sb.Append(c);
        }
        fields.Add(sb.ToString());
        return fields.ToArray();
    }
}
