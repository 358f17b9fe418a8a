namespace SpikeKit.Cli;

/// <summary>The exit codes of <c>spikekit</c> (also listed in its help and the README).</summary>
static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;
    /// <summary>A data or runtime error (missing, truncated or malformed file, a run that did not complete).</summary>
    public const int Failed = 1;
    /// <summary>A bad option, spec or config.</summary>
    public const int BadOption = 2;
    /// <summary>The loss became NaN.</summary>
    public const int Diverged = 3;
}
