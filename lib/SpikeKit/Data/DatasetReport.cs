using System.Globalization;
using SpikeKit.Data.Events;
using static TorchSharp.torch;

namespace SpikeKit.Data;

/// <summary>
/// What a user needs to trust a data set before a long run (<c>spikekit data DATASET</c>): sample counts per split and class,
/// the sample shape and, for event data, the sensor, the frame shape, events per sample (min / median / max over both splits)
/// and, for the first training sample, its event count and the sum of each of its T frames (with frames at the sensor's size
/// these sum to the event count; resized frames keep the sum only roughly).
/// </summary>
/// <param name="Lines">The report, one fact per line.</param>
public sealed record DatasetReport(IReadOnlyList<string> Lines)
{
    /// <summary>The report of a static image set.</summary>
    public static DatasetReport Of(string name, ImageDataset train, ImageDataset test)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        return new([
            $"{name}: static images, {train.Classes} classes",
            $"sample shape: {train.Channels}x{train.Height}x{train.Width} (repeated over T by direct encoding)",
            Split("train", train.Count, train.LabelHistogram()),
            Split("test", test.Count, test.LabelHistogram()),
        ]);
    }

    /// <summary>The report of a streamed image-folder set (imagenet): counts only, no image is read.</summary>
    public static DatasetReport Of(string name, ImageFolderDataset train, ImageFolderDataset test)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        return new([
            $"{name}: image folders, {train.Classes} classes, streamed from disk",
            Split("train", train.Count, train.LabelHistogram()),
            Split("test", test.Count, test.LabelHistogram()),
        ]);
    }

    /// <summary>The report of a framed event set.</summary>
    public static DatasetReport Of(string name, EventDataset train, EventDataset test, Framing framing)
    {
        ArgumentNullException.ThrowIfNull(train);
        ArgumentNullException.ThrowIfNull(test);
        ArgumentNullException.ThrowIfNull(framing);
        var counts = train.EventCounts.Concat(test.EventCounts).Order().ToArray();
        var lines = new List<string>
        {
            $"{name}: event camera, {train.Classes} classes, split {train.Split}",
            $"sensor: {train.SensorWidth}x{train.SensorHeight}",
            $"frame shape: [T, 2, H, W] = [{train.TimeSteps}, 2, {train.Height}, {train.Width}] (split by {framing})",
            Split("train", train.Count, train.LabelHistogram()),
            Split("test", test.Count, test.LabelHistogram()),
        };
        if (counts.Length > 0)
            lines.Add($"events per sample: min {counts[0]}, median {Median(counts).ToString(CultureInfo.InvariantCulture)}, max {counts[^1]}");
        var first = train.Count > 0 ? train : test;
        if (first.Count > 0)
        {
            using var scope = NewDisposeScope();
            var sums = first.Frames[0].sum([1, 2, 3]).data<float>().ToArray();
            long label = first.Labels[0].item<long>();
            lines.Add($"sample {first.Name}[0] (label {label}): {first.EventCounts[0]} events; per-frame sums: " +
                      string.Join(", ", sums.Select(s => s.ToString("0.##", CultureInfo.InvariantCulture))));
        }
        return new(lines);
    }

    static string Split(string split, int count, long[] perClass) =>
        $"{split}: {count} samples; per class: {string.Join(" ", perClass.Select((n, c) => $"{c}:{n}"))}";

    static double Median(long[] sorted) => sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2.0;
}
