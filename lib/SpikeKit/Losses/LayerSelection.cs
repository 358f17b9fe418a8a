using SpikeKit.Neurons;

namespace SpikeKit.Losses;

/// <summary>
/// Which spiking layers a regularizer acts on. Parsed from text: <c>all</c>, <c>first:N</c>, <c>last:N</c>,
/// or a comma list of 0-based layer indices (<c>0,2,3</c>).
/// </summary>
/// <param name="Spec">The textual form (kept for configs and reports).</param>
public sealed record LayerSelection(string Spec = "all")
{
    /// <summary>Every spiking layer.</summary>
    public static LayerSelection All { get; } = new("all");

    /// <summary>The layers of <paramref name="layers"/> that this selection keeps, in order.</summary>
    /// <exception cref="ArgumentException">For a malformed spec or an index out of range.</exception>
    public IReadOnlyList<NeuronActivity> Select(IReadOnlyList<NeuronActivity> layers)
    {
        var s = Spec.Trim().ToLowerInvariant();
        if (s is "" or "all") return layers;
        if (s.StartsWith("first:", StringComparison.Ordinal)) return layers.Take(ParseCount(s[6..])).ToList();
        if (s.StartsWith("last:", StringComparison.Ordinal)) return layers.Skip(Math.Max(0, layers.Count - ParseCount(s[5..]))).ToList();
        var picked = new List<NeuronActivity>();
        foreach (var part in s.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!int.TryParse(part, out int i) || i < 0 || i >= layers.Count)
                throw new ArgumentException($"layers: '{part}' in '{Spec}' is not a layer index in [0, {layers.Count - 1}]");
            picked.Add(layers[i]);
        }
        return picked;
    }

    int ParseCount(string n) => int.TryParse(n, out int k) && k > 0 ? k
        : throw new ArgumentException($"layers: '{Spec}' needs a positive count after the colon");

    /// <inheritdoc />
    public override string ToString() => Spec;
}
