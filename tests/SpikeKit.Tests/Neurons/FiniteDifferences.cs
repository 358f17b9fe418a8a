using static SpikeKit.Tests.TestUtil;
using static TorchSharp.torch;

namespace SpikeKit.Tests.Neurons;

/// <summary>Central finite differences of a scalar function of a float64 tensor.</summary>
internal static class FiniteDifferences
{
    /// <summary>∂loss/∂x_i ≈ (loss(x + h·e_i) − loss(x − h·e_i)) / 2h for every element of <paramref name="x"/>.</summary>
    public static double[] Gradient(Tensor x, Func<Tensor, double> loss, double h = 1e-6)
    {
        var flat = Values(x);
        var shape = x.shape;
        var result = new double[flat.Length];
        for (int i = 0; i < flat.Length; i++)
        {
            var plus = (double[])flat.Clone(); plus[i] += h;
            var minus = (double[])flat.Clone(); minus[i] -= h;
            result[i] = (loss(F64(plus, shape)) - loss(F64(minus, shape))) / (2 * h);
        }
        return result;
    }
}
