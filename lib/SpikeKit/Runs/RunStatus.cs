namespace SpikeKit.Runs;

/// <summary>Where a run stands. A <c>summary.json</c> says <see cref="Completed"/> or <see cref="Failed"/>; a run folder
/// with only a checkpoint is <see cref="Partial"/>; one with neither (or with files of another config) is <see cref="Pending"/>.
/// Written in JSON as <c>pending</c>, <c>partial</c>, <c>completed</c>, <c>failed</c>.</summary>
public enum RunStatus
{
    /// <summary>Nothing of this config yet.</summary>
    Pending,
    /// <summary>A checkpoint after some epochs; the run resumes from it.</summary>
    Partial,
    /// <summary>Every epoch done and the summary written.</summary>
    Completed,
    /// <summary>Stopped with an error (named in the summary).</summary>
    Failed,
}
