using System.Globalization;

namespace SpikeKit.Data.Events;

/// <summary>
/// The train/test splits of CIFAR10-DVS, which has none of its own. Both act per class on the class folder's files.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>9:1</c> (default): the first 90 % of a class's files in lexicographic (ordinal) file-name order train, the rest test,
/// as SpikingJelly's <c>split_to_train_test_set(0.9, dataset, 10, random_split=False)</c>; note that
/// <c>cifar10_airplane_10</c> sorts before <c>cifar10_airplane_2</c>. The train count is <c>floor(0.9·n)</c> per class.</item>
/// <item><c>tebn</c>: samples 0–99 of each class (by the number at the end of the file name) test, 100–999 train, the split of
/// TEBN (Duan et al., NeurIPS 2022) and later papers; it is known to give higher accuracy than a random split. For a class
/// that is not 1000 files, the first 10 % by number test.</item>
/// </list>
/// The split is a <see cref="Config.RunConfig"/> field (<c>--event-split</c>), so it is written into every run's summary.
/// </remarks>
public static class EventSplits
{
    /// <summary>Known split rules for CIFAR10-DVS.</summary>
    public static IReadOnlyList<string> Names { get; } = ["9:1", "tebn"];

    /// <summary>Splits one class's files; returns the train files and the test files.</summary>
    /// <exception cref="ArgumentException">Unknown rule, or (tebn) a file name without a number at its end.</exception>
    public static (List<string> Train, List<string> Test) Split(IEnumerable<string> classFiles, string rule)
    {
        var files = classFiles.OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
        switch (rule)
        {
            case "9:1":
            {
                int train = files.Count * 9 / 10;
                return (files.Take(train).ToList(), files.Skip(train).ToList());
            }
            case "tebn":
            {
                var numbered = files.OrderBy(Number).ThenBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToList();
                int test = numbered.Count == 1000 ? 100 : numbered.Count / 10;
                return (numbered.Skip(test).ToList(), numbered.Take(test).ToList());
            }
            default:
                throw new ArgumentException($"event-split: unknown '{rule}' (known: {string.Join(", ", Names)})");
        }
    }

    static long Number(string file)
    {
        var stem = Path.GetFileNameWithoutExtension(file);
        int i = stem.Length;
        while (i > 0 && char.IsAsciiDigit(stem[i - 1])) i--;
        return i < stem.Length && long.TryParse(stem[i..], NumberStyles.None, CultureInfo.InvariantCulture, out long n) ? n
            : throw new ArgumentException($"event-split: tebn needs file names ending in their sample number, got {file}");
    }
}
