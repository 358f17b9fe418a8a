namespace SpikeKit.Data;

/// <summary>The seeded, class-stratified subset shared by <see cref="ImageDataset.StratifiedSample"/> and
/// <see cref="ImageFolderDataset.StratifiedSample"/>.</summary>
internal static class Stratified
{
    /// <summary>
    /// Indices (ascending) of a class-stratified subset of <paramref name="limit"/> of the samples with these
    /// <paramref name="labels"/> (each in <c>[0, classes)</c>; <paramref name="limit"/> &lt; labels.Length). Each class gets
    /// <c>floor(limit·n_c/N)</c>, the remainder going to the classes with the largest fractional parts (ties: lower class
    /// first); which samples of a class are kept is a seeded shuffle.
    /// </summary>
    public static long[] Select(IReadOnlyList<long> labels, int classes, int limit, long seed)
    {
        int count = labels.Count;
        var members = new List<int>[classes];
        for (int c = 0; c < classes; c++) members[c] = new List<int>();
        for (int i = 0; i < count; i++) members[labels[i]].Add(i);

        var quota = new int[classes];
        var remainder = new long[classes];
        int assigned = 0;
        for (int c = 0; c < classes; c++)
        {
            long exact = (long)limit * members[c].Count;
            quota[c] = (int)(exact / count);
            remainder[c] = exact % count;
            assigned += quota[c];
        }
        foreach (int c in Enumerable.Range(0, classes).OrderByDescending(c => remainder[c]).ThenBy(c => c).Take(limit - assigned))
            quota[c]++;

        var random = new SeededRandom(seed, 0x5354524154L /* "STRAT" */);
        var chosen = new List<long>(limit);
        for (int c = 0; c < classes; c++)
        {
            var order = members[c].ToArray();
            random.Shuffle(order);
            for (int k = 0; k < quota[c]; k++) chosen.Add(order[k]);
        }
        chosen.Sort();
        return chosen.ToArray();
    }
}
