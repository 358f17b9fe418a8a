using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using SpikeKit.Kernels;
using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>
/// The surrogate of the RMP-Loss group's code (MPBN / IM-Loss), for <c>x = u − V_th</c> and a support of width <c>w</c>
/// centred on the threshold:
/// <code>
/// forward     H(x)  = [x ≥ 0]
/// primitive   g(x)  = [tanh(k·clamp(x/w, −½, ½)) + tanh(k/2)] / (2·tanh(k/2))
/// derivative  g'(x) = σ'(x) = k·(1 − tanh²(k·x/w)) / (2·w·tanh(k/2))   for |x| ≤ w/2, else 0
/// </code>
/// With <c>k = 3</c>, <c>w = 1</c>, <c>V_th = ½</c> this is the authors' <c>g(u) = [tanh(k·(clamp(u, 0, 1) − ½)) + tanh(k/2)] / (2·tanh(k/2))</c>.
/// The fused kernels' float32 form (<see cref="Kernel"/>) writes <c>1 − tanh²(z) = 4e/(1 + e)²</c>, <c>e = exp(2z)</c>
/// (a float32 e^x of about one ulp, <c>Kernels/FloatExp.cs</c>).
/// Guo et al., "IM-Loss", NeurIPS 2022; "RMP-Loss", ICCV 2023.
/// </summary>
/// <param name="Sharpness">k, default 3.</param>
/// <param name="Width">w, the width of the non-zero interval, default 1 (the interval [0, 1] of u when V_th = ½).</param>
public sealed record TanhSurrogate(double Sharpness = 3.0, double Width = 1.0) : Surrogate
{
    double Norm => 2.0 * Math.Tanh(Sharpness / 2.0);

    /// <summary>s = k / (2·w·tanh(k/2)), the factor of σ' = s·(1 − tanh²(k·x/w)).</summary>
    double Scale => Sharpness / (Width * Norm);

    /// <inheritdoc />
    public override Tensor Primitive(Tensor x)
    {
        // Not in place on c or on the tanh output: `using` disposes c, and tanh's backward reads its output.
        using var c = x.div(Width).clamp_(-0.5, 0.5);
        using var t = c.mul(Sharpness).tanh_();
        return t.add(Math.Tanh(Sharpness / 2.0)).div_(Norm);
    }

    /// <inheritdoc />
    public override Tensor Derivative(Tensor x)
    {
        using var t = x.mul(Sharpness / Width).tanh_();
        using var inside = x.abs().le(Width / 2.0);
        return t.square().neg_().add_(1.0).mul_(Scale).mul_(inside);
    }

    /// <inheritdoc />
    public override double Derivative(double x)
    {
        if (Math.Abs(x) > Width / 2) return 0;
        double t = Math.Tanh(Sharpness * x / Width);
        return Sharpness * (1 - t * t) / (Width * Norm);
    }

    internal override bool RunKernel(ISurrogateKernelRunner runner)
    {
        runner.Run(new Kernel(this));
        return true;
    }

    /// <summary>σ'(c) in float32 for the fused kernels, for <c>|c| ≤ w/2</c> (else 0), with <c>z = clamp(k·c/w, ±k/2)</c> and
    /// <c>s = k / (2·w·tanh(k/2))</c>: <c>s·sech²(z)</c> as a polynomial P of degree 12 in <c>t = z²/h − 1</c>
    /// (<c>h = k²/8</c>, so t spans [−1, 1]; coefficients from Chebyshev interpolation in double, <see cref="Sech2"/>;
    /// Estrin's scheme) where its float32 evaluation is within 2.5e-7 of the exact value relative (k up to about 3.4, the
    /// default 3 included: 12 fused multiply-adds and 3 products, no exponential, no division); otherwise <c>e·4·s / (1 + e)²</c>, <c>e = exp(2z)</c> (<see cref="FloatExp"/>).</summary>
    internal readonly struct Kernel : ISurrogateKernel
    {
        readonly float _slope, _half, _limit, _scale, _invH;
        readonly bool _polynomial;
        readonly float _p0, _p1, _p2, _p3, _p4, _p5, _p6, _p7, _p8, _p9, _p10, _p11, _p12;

        public Kernel(TanhSurrogate s)
        {
            _slope = (float)(s.Sharpness / s.Width);
            _half = (float)(s.Width / 2.0);
            _limit = (float)(s.Sharpness / 2.0);
            _scale = (float)s.Scale;
            var fit = Sech2.For(s);
            _polynomial = fit is not null;
            var p = fit?.Coefficients ?? new float[Sech2.Degree + 1];
            _invH = fit?.InvH ?? 0f;
            (_p0, _p1, _p2, _p3, _p4, _p5, _p6) = (p[0], p[1], p[2], p[3], p[4], p[5], p[6]);
            (_p7, _p8, _p9, _p10, _p11, _p12) = (p[7], p[8], p[9], p[10], p[11], p[12]);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector<float> Derivative(Vector<float> c, long k)
        {
            var z = Vector.MinNative(Vector.MaxNative(c * _slope, new Vector<float>(-_limit)), new Vector<float>(_limit));
            Vector<float> d;
            if (_polynomial)
            {
                var t = Vector.FusedMultiplyAdd(z * z, new Vector<float>(_invH), new Vector<float>(-1f));
                // Estrin's scheme: pairs in t, then in t², t⁴, t⁸ (a chain of 5 fused multiply-adds instead of Horner's 12)
                var t2 = t * t;
                var t4 = t2 * t2;
                var r0 = Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(new Vector<float>(_p3), t, new Vector<float>(_p2)), t2, Vector.FusedMultiplyAdd(new Vector<float>(_p1), t, new Vector<float>(_p0)));
                var r1 = Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(new Vector<float>(_p7), t, new Vector<float>(_p6)), t2, Vector.FusedMultiplyAdd(new Vector<float>(_p5), t, new Vector<float>(_p4)));
                var r2 = Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(new Vector<float>(_p11), t, new Vector<float>(_p10)), t2, Vector.FusedMultiplyAdd(new Vector<float>(_p9), t, new Vector<float>(_p8)));
                d = Vector.FusedMultiplyAdd(Vector.FusedMultiplyAdd(new Vector<float>(_p12), t4, r2), t4 * t4, Vector.FusedMultiplyAdd(r1, t4, r0));
            }
            else
            {
                var e = FloatExp.Of(z + z);
                d = e * new Vector<float>(4f * _scale) / ((Vector<float>.One + e) * (Vector<float>.One + e));
            }
            return Vector.ConditionalSelect(Vector.LessThanOrEqual(Vector.Abs(c), new Vector<float>(_half)), d, Vector<float>.Zero);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public Vector512<float> Derivative(Vector512<float> c, long k)
        {
            var z = Vector512.MinNative(Vector512.MaxNative(c * _slope, Vector512.Create(-_limit)), Vector512.Create(_limit));
            Vector512<float> d;
            if (_polynomial)
            {
                var t = Vector512.FusedMultiplyAdd(z * z, Vector512.Create(_invH), Vector512.Create(-1f));
                var t2 = t * t;
                var t4 = t2 * t2;
                var r0 = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(_p3), t, Vector512.Create(_p2)), t2, Vector512.FusedMultiplyAdd(Vector512.Create(_p1), t, Vector512.Create(_p0)));
                var r1 = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(_p7), t, Vector512.Create(_p6)), t2, Vector512.FusedMultiplyAdd(Vector512.Create(_p5), t, Vector512.Create(_p4)));
                var r2 = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(_p11), t, Vector512.Create(_p10)), t2, Vector512.FusedMultiplyAdd(Vector512.Create(_p9), t, Vector512.Create(_p8)));
                d = Vector512.FusedMultiplyAdd(Vector512.FusedMultiplyAdd(Vector512.Create(_p12), t4, r2), t4 * t4, Vector512.FusedMultiplyAdd(r1, t4, r0));
            }
            else
            {
                var e = FloatExp.Of(z + z);
                d = e * Vector512.Create(4f * _scale) / ((Vector512<float>.One + e) * (Vector512<float>.One + e));
            }
            return Vector512.ConditionalSelect(Vector512.LessThanOrEqual(Vector512.Abs(c), Vector512.Create(_half)), d, Vector512<float>.Zero);
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public float Derivative(float c, long k)
        {
            if (!(MathF.Abs(c) <= _half)) return 0f;
            float z = Math.Min(Math.Max(c * _slope, -_limit), _limit);
            if (_polynomial) return Sech2.Evaluate(MathF.FusedMultiplyAdd(z * z, _invH, -1f),
                [_p0, _p1, _p2, _p3, _p4, _p5, _p6, _p7, _p8, _p9, _p10, _p11, _p12]);
            float e = FloatExp.Of(z + z);
            return e * (4f * _scale) / ((1f + e) * (1f + e));
        }
    }

    /// <summary>
    /// <c>s·sech²(z)</c> for <c>|z| ≤ k/2</c> as a polynomial of degree <see cref="Degree"/> in <c>t = z²/h − 1</c>,
    /// <c>h = k²/8</c>: Chebyshev interpolation of <c>sech²(√(h·(t + 1)))</c> at the 13 Chebyshev points of [−1, 1] in double,
    /// turned into monomial coefficients (sech² is even and analytic, its nearest singularity at z² = −π²/4, so the
    /// Chebyshev coefficients fall by about 6× per degree for k = 3), checked in float32 on 4097 points of [0, k/2].
    /// One fit per (k, scale), kept for the process.
    /// </summary>
    internal static class Sech2
    {
        public const int Degree = 12;
        const double Tolerance = 2.5e-7;

        public sealed record Polynomial(float[] Coefficients, float InvH);

        static readonly System.Collections.Concurrent.ConcurrentDictionary<(double, double), Polynomial?> Fits = new();

        /// <summary>The fit of <paramref name="s"/>'s σ' (sharpness k, scale s), or null where its float32 evaluation is not
        /// within the tolerance (large k).</summary>
        public static Polynomial? For(TanhSurrogate s) => Fits.GetOrAdd((s.Sharpness, s.Scale), key => Compute(key.Item1, key.Item2));

        /// <summary>Estrin's scheme with fused multiply-adds, in the vector forms' order of operations (the same bits).</summary>
        public static float Evaluate(float t, ReadOnlySpan<float> p)
        {
            float t2 = t * t, t4 = t2 * t2;
            float r0 = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(p[3], t, p[2]), t2, MathF.FusedMultiplyAdd(p[1], t, p[0]));
            float r1 = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(p[7], t, p[6]), t2, MathF.FusedMultiplyAdd(p[5], t, p[4]));
            float r2 = MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(p[11], t, p[10]), t2, MathF.FusedMultiplyAdd(p[9], t, p[8]));
            return MathF.FusedMultiplyAdd(MathF.FusedMultiplyAdd(p[12], t4, r2), t4 * t4, MathF.FusedMultiplyAdd(r1, t4, r0));
        }

        static Polynomial? Compute(double k, double scale)
        {
            double h = k * k / 8;
            int n = Degree + 1;
            // Chebyshev coefficients a_j of the interpolant at the points t_i = cos(π(i + ½)/n)
            var f = new double[n];
            for (int i = 0; i < n; i++)
            {
                double t = Math.Cos(Math.PI * (i + 0.5) / n), c = Math.Cosh(Math.Sqrt(h * (t + 1)));
                f[i] = scale / (c * c);
            }
            var a = new double[n];
            for (int j = 0; j < n; j++)
            {
                double sum = 0;
                for (int i = 0; i < n; i++) sum += f[i] * Math.Cos(Math.PI * j * (i + 0.5) / n);
                a[j] = (j == 0 ? 1.0 : 2.0) * sum / n;
            }
            // Σ a_j·T_j(t) in monomials: T_0 = 1, T_1 = t, T_{j+1} = 2t·T_j − T_{j−1}
            var mono = new double[n];
            double[] previous = new double[n], current = new double[n];
            previous[0] = 1;
            current[1] = 1;
            mono[0] += a[0];
            for (int i = 0; i < n; i++) mono[i] += a[1] * current[i];
            for (int j = 2; j < n; j++)
            {
                var next = new double[n];
                for (int i = 0; i < n; i++) next[i] = (i > 0 ? 2 * current[i - 1] : 0) - previous[i];
                for (int i = 0; i < n; i++) mono[i] += a[j] * next[i];
                (previous, current) = (current, next);
            }
            var p = mono.Select(v => (float)v).ToArray();
            float invH = (float)(1 / h);
            double worst = 0;
            for (int i = 0; i <= 4096; i++)
            {
                float z = (float)(k / 2 * i / 4096);
                double c = Math.Cosh(z), exact = scale / (c * c);
                double value = Evaluate(MathF.FusedMultiplyAdd(z * z, invH, -1f), p);
                worst = Math.Max(worst, Math.Abs(value - exact) / exact);
            }
            return worst <= Tolerance ? new Polynomial(p, invH) : null;
        }
    }
}
