using System.CommandLine;
using SpikeKit.Config;
using SpikeKit.Data;
using SpikeKit.Data.Events;
using SpikeKit.Runs;

namespace SpikeKit.Cli;

/// <summary>
/// <c>spikekit data DATASET</c>: loads a data set as a run would (the same settings rows: data folder, T, framing, frame size,
/// split, limits, seed; event sets through the frame cache) and prints <see cref="DatasetReport"/>. A missing or malformed file
/// ends with one line naming it, exit 1.
/// </summary>
static class DataCommand
{
    static readonly string[] Rows = ["data-dir", "timesteps", "frames", "frame-size", "event-split", "train-limit", "test-limit", "seed"];

    public static Command Build()
    {
        var cmd = new Command("data", "what to check before a long run: samples per split and class, sample or frame shape; for event data " +
                                      "also the sensor, events per sample (min/median/max) and one sample's event count and per-frame sums");
        var name = new Argument<string>("DATASET") { Description = "a data set name: " + string.Join(", ", Datasets.Names.Concat(EventDatasets.Names)) };
        cmd.Arguments.Add(name);
        var settings = new SettingOptions(cmd, new RunConfig(), row => Rows.Contains(row.Name));
        cmd.SetAction(r =>
        {
            var config = settings.Apply(r, new RunConfig { Dataset = r.GetValue(name)!.Trim().ToLowerInvariant() }).Validate();
            foreach (var line in Report(config).Lines) Console.WriteLine(line);
            return ExitCodes.Ok;
        });
        return cmd;
    }

    static DatasetReport Report(RunConfig config)
    {
        if (EventDatasets.IsEvent(config.Dataset))
        {
            var (train, test) = RunData.LoadEvents(config);
            using (train)
            using (test)
                return DatasetReport.Of(config.Dataset, train, test, Framing.Parse(config.Frames));
        }
        if (Datasets.IsStreamed(config.Dataset)) // (event sets returned above)
        {
            var (train, test) = Datasets.OpenStreamed(config.Dataset, config.DataDir, config.TrainLimit, config.TestLimit, config.Seed);
            return DatasetReport.Of(config.Dataset, train, test);
        }
        var (images, testImages) = Datasets.Load(config.Dataset, config.DataDir, config.TrainLimit, config.TestLimit, config.Seed);
        using (images)
        using (testImages)
            return DatasetReport.Of(config.Dataset, images, testImages);
    }
}
