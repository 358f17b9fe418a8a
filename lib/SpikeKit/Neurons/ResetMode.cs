namespace SpikeKit.Neurons;

/// <summary>What a spike does to the membrane potential.</summary>
public enum ResetMode
{
    /// <summary>Hard reset to zero: <c>u[t] = u_pre[t]·(1 − o[t])</c> (the RMP-Loss group's choice).</summary>
    Hard,

    /// <summary>Soft reset by subtraction: <c>u[t] = u_pre[t] − o[t]·V_th</c> (InfLoR-SNN, many ANN-to-SNN works).</summary>
    Soft,
}
