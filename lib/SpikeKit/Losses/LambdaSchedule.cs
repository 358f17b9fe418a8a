namespace SpikeKit.Losses;

/// <summary>
/// The weight λ(epoch) of a regularizer over training (epochs are 0-based, <c>E</c> = total epochs).
/// Parsed from text by <see cref="Parse"/>: <c>constant</c>, <c>linear:W</c> (warm-up over W epochs), <c>cosine</c>.
/// </summary>
public abstract record LambdaSchedule
{
    /// <summary>The peak value λ.</summary>
    public abstract double Value { get; }

    /// <summary>λ at 0-based <paramref name="epoch"/> of <paramref name="totalEpochs"/>.</summary>
    public abstract double At(int epoch, int totalEpochs);

    /// <summary>
    /// Parses <c>constant</c>, <c>linear</c> / <c>linear:W</c> (default W = a quarter of training, at least 1) or <c>cosine</c>
    /// with peak <paramref name="value"/>.
    /// </summary>
    /// <exception cref="ArgumentException">Naming the field <c>lambda-schedule</c> for an unknown form.</exception>
    public static LambdaSchedule Parse(string text, double value)
    {
        var s = text.Trim().ToLowerInvariant();
        if (s == "constant") return new ConstantLambda(value);
        if (s == "cosine") return new CosineLambda(value);
        if (s == "linear") return new LinearWarmupLambda(value, null);
        if (s.StartsWith("linear:", StringComparison.Ordinal) && int.TryParse(s[7..], out int w) && w > 0)
            return new LinearWarmupLambda(value, w);
        throw new ArgumentException($"lambda-schedule: unknown schedule '{text}' (use constant, linear, linear:W or cosine)");
    }
}

/// <summary>λ(e) = λ.</summary>
/// <param name="Value">λ.</param>
public sealed record ConstantLambda(double Value) : LambdaSchedule
{
    /// <inheritdoc />
    public override double Value { get; } = Value;
    /// <inheritdoc />
    public override double At(int epoch, int totalEpochs) => Value;
    /// <inheritdoc />
    public override string ToString() => "constant";
}

/// <summary>Linear warm-up: λ(e) = λ·min(1, (e + 1)/W), reaching λ after W epochs (W null: max(1, E/4)).</summary>
/// <param name="Value">λ.</param>
/// <param name="WarmupEpochs">W.</param>
public sealed record LinearWarmupLambda(double Value, int? WarmupEpochs) : LambdaSchedule
{
    /// <inheritdoc />
    public override double Value { get; } = Value;
    /// <inheritdoc />
    public override double At(int epoch, int totalEpochs)
    {
        int w = WarmupEpochs ?? Math.Max(1, totalEpochs / 4);
        return Value * Math.Min(1.0, (epoch + 1.0) / w);
    }
    /// <inheritdoc />
    public override string ToString() => WarmupEpochs is { } w ? $"linear:{w}" : "linear";
}

/// <summary>Cosine ramp from 0 to λ: λ(e) = λ·(1 − cos(π·(e + 1)/E))/2, reaching λ at the last epoch.</summary>
/// <param name="Value">λ.</param>
public sealed record CosineLambda(double Value) : LambdaSchedule
{
    /// <inheritdoc />
    public override double Value { get; } = Value;
    /// <inheritdoc />
    public override double At(int epoch, int totalEpochs) =>
        Value * (1 - Math.Cos(Math.PI * (epoch + 1.0) / Math.Max(1, totalEpochs))) / 2;
    /// <inheritdoc />
    public override string ToString() => "cosine";
}
