namespace SpikeKit.Training;

/// <summary>Optimizer choice.</summary>
public enum OptimizerKind
{
    /// <summary>SGD with momentum (the paper's setting: momentum 0.9, weight decay 1e-4).</summary>
    Sgd,
    /// <summary>AdamW (decoupled weight decay; Loshchilov &amp; Hutter, ICLR 2019).</summary>
    AdamW,
}
