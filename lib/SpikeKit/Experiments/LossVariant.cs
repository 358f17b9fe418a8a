using SpikeKit.Losses;

namespace SpikeKit.Experiments;

/// <summary>
/// The loss variants of the ablations: <c>baseline</c> (CE on the mean output), <c>rmp</c> (CE + λ·RMP-Loss),
/// <c>tet</c> (TET loss), <c>tet+rmp</c>, <c>im</c> (CE + λ·IM-Loss), <c>mpd</c> (CE + λ·MPD-Loss).
/// </summary>
public static class LossVariant
{
    /// <summary>Known variant names, baseline first.</summary>
    public static IReadOnlyList<string> Names { get; } = ["baseline", "rmp", "tet", "tet+rmp", "im", "mpd"];

    /// <summary>Builds the composite loss of <paramref name="config"/>'s variant.</summary>
    public static CompositeLoss Build(RunConfig config)
    {
        var rmp = new RmpLoss(
            Clip: config.RmpClip,
            Distance: config.RmpDistance.ToLowerInvariant() switch
            {
                "squared" => DistanceKind.Squared,
                "absolute" => DistanceKind.Absolute,
                var d => throw new ConfigException("rmp-distance", $"unknown '{d}' (use squared or absolute)"),
            },
            Layers: new LayerSelection(config.RmpLayers),
            DetachSpikes: config.RmpDetachSpikes);
        LambdaSchedule Schedule(double value)
        {
            try { return LambdaSchedule.Parse(config.LambdaSchedule, value); }
            catch (ArgumentException e) { throw new ConfigException("lambda-schedule", e.Message); }
        }
        ITaskLoss ce = new MeanOutputCrossEntropy();
        ITaskLoss tet = new TetLoss(config.TetLambda);
        return config.Variant.ToLowerInvariant() switch
        {
            "baseline" => new CompositeLoss(ce, []),
            "rmp" => new CompositeLoss(ce, []).With(rmp, Schedule(config.RmpLambda)),
            "tet" => new CompositeLoss(tet, []),
            "tet+rmp" => new CompositeLoss(tet, []).With(rmp, Schedule(config.RmpLambda)),
            "im" => new CompositeLoss(ce, []).With(new ImLoss(), new ConstantLambda(config.ImLambda)),
            "mpd" => new CompositeLoss(ce, []).With(new MpdLoss(), new ConstantLambda(config.MpdLambda)),
            var v => throw new ConfigException("variant", $"unknown '{v}' (known: {string.Join(", ", Names)})"),
        };
    }
}
