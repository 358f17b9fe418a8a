using System.Globalization;

/// <summary><c>--key value</c> options (a <c>--flag</c> followed by another option or nothing means <c>true</c>).</summary>
sealed class Options
{
    readonly Dictionary<string, string> _values = new(StringComparer.Ordinal);

    public Options(IEnumerable<string> args)
    {
        var list = args.ToList();
        for (int i = 0; i < list.Count; i++)
        {
            if (!list[i].StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"expected an option, got '{list[i]}'");
            string key = list[i][2..];
            if (i + 1 < list.Count && !list[i + 1].StartsWith("--", StringComparison.Ordinal)) _values[key] = list[++i];
            else _values[key] = "true";
        }
    }

    public IEnumerable<string> Keys => _values.Keys;

    public bool Has(string key) => _values.ContainsKey(key);

    public string Str(string key, string fallback) => _values.TryGetValue(key, out var v) ? v : fallback;

    public int Int(string key, int fallback) => _values.TryGetValue(key, out var v)
        ? int.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out int r) ? r : throw new ArgumentException($"--{key}: not an integer: '{v}'")
        : fallback;

    public double Double(string key, double fallback) => _values.TryGetValue(key, out var v)
        ? double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out double r) ? r : throw new ArgumentException($"--{key}: not a number: '{v}'")
        : fallback;

    public bool Bool(string key, bool fallback) => _values.TryGetValue(key, out var v)
        ? bool.TryParse(v, out bool r) ? r : throw new ArgumentException($"--{key}: not true/false: '{v}'")
        : fallback;
}
