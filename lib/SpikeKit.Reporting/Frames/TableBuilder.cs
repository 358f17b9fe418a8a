using Deedle;

namespace SpikeKit.Reporting.Frames;

/// <summary>
/// Collects rows of named cells and turns them into a Deedle frame with ordinal row keys (0, 1, …) and typed columns:
/// a column whose values are all strings becomes <c>string</c>, all <c>int</c> becomes <c>int</c>, all <c>long</c> or
/// <c>int</c> becomes <c>long</c>, all <c>bool</c> becomes <c>bool</c>, and numbers otherwise <c>double</c> (NaN = missing).
/// A cell a row does not set is missing. Columns keep the order in which they first appear.
/// </summary>
public sealed class TableBuilder
{
    readonly List<string> _order = [];
    readonly Dictionary<string, List<object?>> _columns = new(StringComparer.Ordinal);
    int _rows;

    /// <summary>Number of rows added.</summary>
    public int RowCount => _rows;

    /// <summary>Declares columns up front (fixes their order even when the first rows lack them).</summary>
    public TableBuilder Columns(params string[] names)
    {
        foreach (var n in names) Column(n);
        return this;
    }

    List<object?> Column(string name)
    {
        if (!_columns.TryGetValue(name, out var list))
        {
            list = [];
            for (int i = 0; i < _rows; i++) list.Add(null);
            _columns[name] = list;
            _order.Add(name);
        }
        return list;
    }

    /// <summary>Adds one row; cells not named are missing.</summary>
    public void Add(IEnumerable<KeyValuePair<string, object?>> cells)
    {
        foreach (var (k, v) in cells)
        {
            var col = Column(k);
            if (col.Count > _rows) col[_rows] = v; else col.Add(v);
        }
        _rows++;
        foreach (var col in _columns.Values) while (col.Count < _rows) col.Add(null);
    }

    /// <summary>Adds one row from (name, value) pairs.</summary>
    public void Add(params (string Name, object? Value)[] cells) =>
        Add(cells.Select(c => new KeyValuePair<string, object?>(c.Name, c.Value)));

    /// <summary>The frame (row keys 0 … n−1).</summary>
    public Frame<int, string> ToFrame()
    {
        var builder = new FrameBuilder.Columns<int, string>();
        foreach (var name in _order) builder.Add(name, ToSeries(_columns[name]));
        var frame = builder.Frame;
        // A frame with columns but no rows, or no columns at all, still has the right (empty) row index.
        return frame;
    }

    static ISeries<int> ToSeries(List<object?> values)
    {
        var present = values.Select((v, i) => (v, i)).Where(p => p.v is not null and not double || p.v is double x && !double.IsNaN(x)).ToList();
        var keys = present.Select(p => p.i).ToArray();
        if (present.Count > 0 && present.All(p => p.v is string))
            return new Series<int, string>(keys, present.Select(p => (string)p.v!).ToArray());
        if (present.Count > 0 && present.All(p => p.v is bool))
            return new Series<int, bool>(keys, present.Select(p => (bool)p.v!).ToArray());
        if (present.Count > 0 && present.All(p => p.v is int))
            return new Series<int, int>(keys, present.Select(p => (int)p.v!).ToArray());
        if (present.Count > 0 && present.All(p => p.v is int or long))
            return new Series<int, long>(keys, present.Select(p => Convert.ToInt64(p.v, System.Globalization.CultureInfo.InvariantCulture)).ToArray());
        if (present.All(p => p.v is IConvertible and not string))
        {
            var all = Enumerable.Range(0, values.Count).ToArray();
            var dv = values.Select(v => v is null ? double.NaN : Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
            return new Series<int, double>(all, dv);
        }
        return new Series<int, string>(keys, present.Select(p => Convert.ToString(p.v, System.Globalization.CultureInfo.InvariantCulture) ?? "").ToArray());
    }
}
