namespace SpikeKit.Losses;

/// <summary>How a regularizer turns a difference <c>d</c> into a penalty.</summary>
public enum DistanceKind
{
    /// <summary><c>d²</c></summary>
    Squared,
    /// <summary><c>|d|</c></summary>
    Absolute,
}
