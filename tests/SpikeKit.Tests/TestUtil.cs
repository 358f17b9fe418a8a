using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Tests;

/// <summary>Small helpers shared by the tests.</summary>
internal static class TestUtil
{
    /// <summary>The tensor's values, row-major, as doubles.</summary>
    public static double[] Values(Tensor t)
    {
        using var d = t.detach().to_type(ScalarType.Float64).contiguous().cpu();
        return d.data<double>().ToArray();
    }

    /// <summary>A float32 tensor of the given shape holding <paramref name="values"/>.</summary>
    public static Tensor F32(double[] values, params long[] shape) =>
        tensor(values.Select(v => (float)v).ToArray(), shape, ScalarType.Float32);

    /// <summary>A float64 tensor of the given shape holding <paramref name="values"/>.</summary>
    public static Tensor F64(double[] values, params long[] shape) => tensor(values, shape, ScalarType.Float64);

    /// <summary>Asserts element-wise |expected − actual| ≤ tol, naming the first bad index.</summary>
    public static void Close(IReadOnlyList<double> expected, IReadOnlyList<double> actual, double tol, string what = "")
    {
        Assert.True(expected.Count == actual.Count, $"{what}: length {actual.Count}, expected {expected.Count}");
        for (int i = 0; i < expected.Count; i++)
            Assert.True(Math.Abs(expected[i] - actual[i]) <= tol,
                $"{what}[{i}]: expected {expected[i]:R}, got {actual[i]:R} (|diff| {Math.Abs(expected[i] - actual[i]):E2} > {tol:E1})");
    }

    /// <summary>Asserts |expected − actual| ≤ tol.</summary>
    public static void Close(double expected, double actual, double tol, string what = "") =>
        Assert.True(Math.Abs(expected - actual) <= tol, $"{what}: expected {expected:R}, got {actual:R} (|diff| {Math.Abs(expected - actual):E2} > {tol:E1})");

    /// <summary>The scalar value of a 0-d (or one-element) tensor.</summary>
    public static double Scalar(Tensor t) => Values(t).Single();

    /// <summary>The group's tanh surrogate derivative, written out: 3·(1 − tanh²(3x)) / (2·tanh 1.5) on |x| ≤ ½, else 0.</summary>
    public static double TanhPrime(double x) =>
        Math.Abs(x) <= 0.5 ? 3.0 * (1.0 - Math.Tanh(3 * x) * Math.Tanh(3 * x)) / (2.0 * Math.Tanh(1.5)) : 0.0;
}
