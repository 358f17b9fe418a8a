using System.Numerics;
using System.Runtime.CompilerServices;
using SpikeKit.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SpikeKit.Layers;

/// <summary>
/// Threshold-dependent batch normalization (tdBN; Zheng et al., "Going deeper with directly-trained larger SNNs", AAAI 2021).
/// For input <c>[T, B, C, ...]</c> the statistics are taken per channel over time, batch and space:
/// <code>x̂ = α·V_th·(x − E[x]) / √(Var[x] + ε),   y = λ·x̂ + β</code>
/// with learnable λ (init 1) and β (init 0). With <c>α·V_th = 1</c> this is plain BN over <c>T·B</c> samples.
/// Running statistics are kept for evaluation (momentum 0.1), as in <c>BatchNorm2d</c>.
/// Two forms side by side: the reference (LibTorch's <c>batch_norm</c>; evaluation, other devices and dtypes, and with
/// <see cref="Fused"/> off) and, for training on CPU float32, the fused kernel below: per channel c over the M = T·B·H·W values,
/// <code>
/// forward   μ = Σx/M,  σ² = Σx²/M − μ²,  a = w/√(σ² + ε),  y = a·x + (β − a·μ)      (w = λ·α·V_th)
///           running: μ_r ← (1−m)·μ_r + m·μ,  σ²_r ← (1−m)·σ²_r + m·σ²·M/(M−1)
/// backward  S = Σ∂y,  P = Σ∂y·(x − μ),  q = a·P/(M·(σ² + ε))
///           ∂x = a·∂y − q·x + (q·μ − a·S/M),  ∂w = P/√(σ² + ε),  ∂β = S
/// </code>
/// one pass for the statistics and one to normalize (forward), one for S and P and one for ∂x (backward), sums in double.
/// LibTorch's CPU kernel takes several times longer on the step's shapes. Both memory layouts of the input: row-major
/// (each channel's H·W plane contiguous, one loop per channel) and channels-last (<c>[N·H·W, C]</c> rows; the loops run
/// over the flat storage with per-lane channel patterns of lcm(C, vector width) values, the sums per fixed chunk, so
/// they do not depend on the thread count); the output has the input's layout. Evaluation without gradient of a
/// channels-last input is the same affine map with the running statistics (<c>Kernel.Evaluate</c>).
/// </summary>
public sealed class ThresholdDependentBatchNorm : nn.Module<Tensor, Tensor>
{
    /// <summary>λ, per channel.</summary>
    public readonly Parameter weight;
    /// <summary>β, per channel.</summary>
    public readonly Parameter bias;
    readonly Tensor running_mean;
    readonly Tensor running_var;

    /// <summary>Channel count C.</summary>
    public long Channels { get; }
    /// <summary>α·V_th, the factor applied to the normalized input.</summary>
    public double Scale { get; }
    /// <summary>ε in the denominator.</summary>
    public double Eps { get; }
    /// <summary>Momentum of the running statistics.</summary>
    public double Momentum { get; }
    /// <summary>Train with the fused CPU kernel where it applies (false: LibTorch's <c>batch_norm</c> always).</summary>
    public bool Fused { get; init; } = true;

    /// <summary>Creates tdBN for <paramref name="channels"/> channels with scale <c>α·V_th</c>.</summary>
    public ThresholdDependentBatchNorm(long channels, double alpha = 1.0, double threshold = 0.5, double eps = 1e-5, double momentum = 0.1, string name = "tdbn")
        : base(name)
    {
        if (channels <= 0) throw new ArgumentException($"channels must be > 0, got {channels}", nameof(channels));
        Channels = channels; Scale = alpha * threshold; Eps = eps; Momentum = momentum;
        weight = nn.Parameter(ones(channels));
        bias = nn.Parameter(zeros(channels));
        running_mean = zeros(channels);
        running_var = ones(channels);
        register_buffer("running_mean", running_mean);
        register_buffer("running_var", running_var);
        RegisterComponents();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor x)
    {
        if (x.dim() < 3 || x.shape[2] != Channels)
            throw new ArgumentException($"{GetName()}: input must be [T, B, {Channels}, ...], got shape [{string.Join(", ", x.shape)}]");
        long t = x.shape[0], b = x.shape[1];
        using var folded = x.flatten(0, 1);
        // Scale 1 (plain BN) uses λ as is; otherwise the scalar is disposed here rather than left to the finalizer.
        using var scale = Scale == 1.0 ? null : Scale.ToScalar();
        using var w = scale is null ? weight.alias() : weight.mul(scale);
        using var y = training && Fused && CpuKernel.IsCpuFloat32(folded) && folded.numel() > folded.shape[1]
            ? FusedTraining(folded, w)
            : EvaluatesByKernel(folded)
                ? Kernel.Evaluate(folded, Kernel.EvaluationCoefficients(w, bias, running_mean, running_var, Eps))
                : nn.functional.batch_norm(folded, running_mean, running_var, w, bias, training, Momentum, Eps);
        var shape = x.shape;
        shape[0] = t; shape[1] = b;
        return y.view(shape);
    }

    /// <summary>True when evaluation of the folded <c>[T·B, C, ...]</c> input runs <c>Kernel.Evaluate</c> (eval mode, no grad, CPU
    /// float32, channels-last).</summary>
    bool EvaluatesByKernel(Tensor folded) =>
        !training && Fused && CpuKernel.IsCpuFloat32(folded) && !is_grad_enabled() && !folded.is_contiguous() && CpuKernel.IsChannelsLast(folded, 1);

    /// <summary>The evaluation pass as a per-channel affine map <c>y = a·x + shift</c> with the bits of <see cref="forward"/>,
    /// for a caller that applies it inside its own kernel (the fused LIF reads <c>a·x + shift</c> directly); null where
    /// <see cref="forward"/> would not run the kernel on <paramref name="x"/> <c>[T, B, C, ...]</c>.</summary>
    internal (float[] A, float[] Shift)? EvaluationAffine(Tensor x)
    {
        if (x.dim() < 3 || x.shape[2] != Channels) return null;
        using var folded = x.flatten(0, 1);
        if (!EvaluatesByKernel(folded)) return null;
        using var scale = Scale == 1.0 ? null : Scale.ToScalar();
        using var w = scale is null ? weight.alias() : weight.mul(scale);
        return Kernel.EvaluationCoefficients(w, bias, running_mean, running_var, Eps);
    }

    Tensor FusedTraining(Tensor x, Tensor w)
    {
        if (!is_grad_enabled() || !(x.requires_grad || w.requires_grad || bias.requires_grad))
        {
            using var noGrad = no_grad();
            return Kernel.Forward(x, w, bias, running_mean, running_var, Momentum, Eps).Y;
        }
        return Kernel.Function.apply(x, w, bias, this)[0];
    }

    /// <summary>The fused training kernel on <c>[N, C, ...]</c> (contiguous float32; see the class summary).</summary>
    static class Kernel
    {
        public static (Tensor Y, double[] Mean, double[] Var) Forward(Tensor input, Tensor w, Tensor b, Tensor runMean, Tensor runVar, double momentum, double eps)
        {
            using var x = Layout(input, out bool last);
            long n = x.shape[0], c = x.shape[1], s = x.numel() / (n * c), m = n * s;
            var mean = new double[c];
            var var = new double[c];
            var a = new float[c];
            var shift = new float[c];
            var wv = Values(w);
            var bv = Values(b);
            var y = CpuKernel.EmptyStrided(x.shape, x.stride());
            unsafe
            {
                float* xp = CpuKernel.Ptr(x), yp = CpuKernel.Ptr(y);
                if (last)
                {
                    var (s1, s2) = ChannelsLast.Sums(xp, null, x.numel(), (int)c);
                    for (long ch = 0; ch < c; ch++) Coefficients(s1[ch], s2[ch], m, wv[ch], bv[ch], eps, out mean[ch], out var[ch], out a[ch], out shift[ch]);
                    ChannelsLast.Affine(xp, null, yp, x.numel(), a, null, shift);
                }
                else CpuKernel.ParallelItems(c, n * s, (c0, c1) =>
                {
                    for (long ch = c0; ch < c1; ch++)
                    {
                        double s1 = 0, s2 = 0;
                        for (long i = 0; i < n; i++) SumSquares(xp + (i * c + ch) * s, s, ref s1, ref s2);
                        Coefficients(s1, s2, m, wv[ch], bv[ch], eps, out mean[ch], out var[ch], out a[ch], out shift[ch]);
                        for (long i = 0; i < n; i++) Affine(xp + (i * c + ch) * s, yp + (i * c + ch) * s, s, a[ch], shift[ch]);
                    }
                });
            }
            using (no_grad())
            {
                double unbias = m > 1 ? (double)m / (m - 1) : 1.0;
                using var mu = tensor(mean.Select(v => (float)v).ToArray());
                using var vr = tensor(var.Select(v => (float)(v * unbias)).ToArray());
                runMean.mul_(1 - momentum).add_(mu, momentum);
                runVar.mul_(1 - momentum).add_(vr, momentum);
            }
            return (y, mean, var);
        }

        /// <summary>The input as the kernels read it: a channels-last input (<c>[N, C, H, W]</c> with C innermost) as it is
        /// (<paramref name="last"/> true), anything else row-major.</summary>
        static Tensor Layout(Tensor input, out bool last)
        {
            last = !input.is_contiguous() && CpuKernel.IsChannelsLast(input, 1);
            return last ? input.alias() : input.contiguous();
        }

        /// <summary>Forward statistics and affine coefficients of one channel from Σx and Σx² over its M values.</summary>
        static void Coefficients(double s1, double s2, long m, double w, double b, double eps, out double mean, out double var, out float a, out float shift)
        {
            mean = s1 / m;
            var = Math.Max(0, s2 / m - mean * mean);
            double ac = w / Math.Sqrt(var + eps);
            a = (float)ac; shift = (float)(b - ac * mean);
        }

        /// <summary>Backward of one channel from S = Σ∂y and Σ∂y·x: ∂w, ∂β and the coefficients of <c>∂x = a·∂y − q·x + k</c>.</summary>
        static void GradCoefficients(double sg, double sgx, long m, double w, double mean, double var, double eps,
            out float gw, out float gb, out float a, out float q, out float k)
        {
            double ve = var + eps, invstd = 1 / Math.Sqrt(ve);
            double p = sgx - mean * sg;
            double ac = w * invstd, qc = ac * p / (m * ve);
            gw = (float)(p * invstd);
            gb = (float)sg;
            a = (float)ac; q = (float)qc; k = (float)(qc * mean - ac * sg / m);
        }

        /// <summary>Evaluation without gradient on a channels-last input (LibTorch's channels-last kernel is several times slower
        /// than its row-major one for few channels): <c>y = a·x + (β − a·μ_r)</c>, <c>a = w/√(σ²_r + ε)</c>, in the input's layout.</summary>
        public static Tensor Evaluate(Tensor x, (float[] A, float[] Shift) affine)
        {
            var y = CpuKernel.EmptyStrided(x.shape, x.stride());
            unsafe { ChannelsLast.Affine(CpuKernel.Ptr(x), null, CpuKernel.Ptr(y), x.numel(), affine.A, null, affine.Shift); }
            return y;
        }

        /// <summary><c>a = w/√(σ²_r + ε)</c> and <c>shift = β − a·μ_r</c> per channel (in double, rounded to float).</summary>
        public static (float[] A, float[] Shift) EvaluationCoefficients(Tensor w, Tensor b, Tensor runMean, Tensor runVar, double eps)
        {
            var wv = Values(w);
            var bv = Values(b);
            var mu = Values(runMean);
            var vr = Values(runVar);
            var a = new float[wv.Length];
            var shift = new float[wv.Length];
            for (int ch = 0; ch < wv.Length; ch++)
            {
                double ac = wv[ch] / Math.Sqrt(vr[ch] + eps);
                a[ch] = (float)ac; shift[ch] = (float)(bv[ch] - ac * mu[ch]);
            }
            return (a, shift);
        }

        static float[] Values(Tensor t)
        {
            using var d = t.detach();
            using var f = d.to_type(ScalarType.Float32).contiguous();
            return f.data<float>().ToArray();
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        static unsafe void SumSquares(float* x, long len, ref double s1, ref double s2)
        {
            int w = Vector<float>.Count;
            Vector<double> a0 = Vector<double>.Zero, a1 = Vector<double>.Zero, q0 = Vector<double>.Zero, q1 = Vector<double>.Zero;
            long i = 0;
            for (; i + w <= len; i += w)
            {
                Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(x + i), out var lo, out var hi);
                a0 += lo; a1 += hi; q0 += lo * lo; q1 += hi * hi;
            }
            double t1 = Vector.Sum(a0 + a1), t2 = Vector.Sum(q0 + q1);
            for (; i < len; i++) { double v = x[i]; t1 += v; t2 += v * v; }
            s1 += t1; s2 += t2;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        static unsafe void Affine(float* x, float* y, long len, float a, float b)
        {
            int w = Vector<float>.Count;
            var va = new Vector<float>(a);
            var vb = new Vector<float>(b);
            long i = 0;
            for (; i + w <= len; i += w) Unsafe.WriteUnaligned(y + i, Unsafe.ReadUnaligned<Vector<float>>(x + i) * va + vb);
            for (; i < len; i++) y[i] = x[i] * a + b;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        static unsafe void SumProducts(float* g, float* x, long len, ref double s1, ref double s2)
        {
            int w = Vector<float>.Count;
            Vector<double> a0 = Vector<double>.Zero, a1 = Vector<double>.Zero, p0 = Vector<double>.Zero, p1 = Vector<double>.Zero;
            long i = 0;
            for (; i + w <= len; i += w)
            {
                Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(g + i), out var glo, out var ghi);
                Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(x + i), out var xlo, out var xhi);
                a0 += glo; a1 += ghi; p0 += glo * xlo; p1 += ghi * xhi;
            }
            double t1 = Vector.Sum(a0 + a1), t2 = Vector.Sum(p0 + p1);
            for (; i < len; i++) { double gv = g[i]; t1 += gv; t2 += gv * x[i]; }
            s1 += t1; s2 += t2;
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        static unsafe void InputGrad(float* g, float* x, float* gx, long len, float a, float q, float k)
        {
            int w = Vector<float>.Count;
            var va = new Vector<float>(a);
            var vq = new Vector<float>(q);
            var vk = new Vector<float>(k);
            long i = 0;
            for (; i + w <= len; i += w)
                Unsafe.WriteUnaligned(gx + i, Unsafe.ReadUnaligned<Vector<float>>(g + i) * va - Unsafe.ReadUnaligned<Vector<float>>(x + i) * vq + vk);
            for (; i < len; i++) gx[i] = g[i] * a - x[i] * q + k;
        }

        /// <summary>∂x, ∂w, ∂β from ∂y, the input and the forward statistics.</summary>
        public static (Tensor Gx, Tensor Gw, Tensor Gb) Backward(Tensor grad, Tensor input, Tensor w, double[] mean, double[] var, double eps)
        {
            using var x = Layout(input, out bool last);
            using var g = CpuKernel.InLayout(grad, x.stride());
            long n = x.shape[0], c = x.shape[1], s = x.numel() / (n * c), m = n * s;
            var wv = Values(w);
            var gw = new float[c];
            var gb = new float[c];
            var gx = CpuKernel.EmptyStrided(x.shape, x.stride());
            unsafe
            {
                float* gp = CpuKernel.Ptr(g), xp = CpuKernel.Ptr(x), gxp = CpuKernel.Ptr(gx);
                if (last)
                {
                    var (sg, sgx) = ChannelsLast.Sums(gp, xp, x.numel(), (int)c);
                    var ga = new float[c];
                    var gq = new float[c];
                    var gk = new float[c];
                    for (long ch = 0; ch < c; ch++)
                        GradCoefficients(sg[ch], sgx[ch], m, wv[ch], mean[ch], var[ch], eps, out gw[ch], out gb[ch], out ga[ch], out gq[ch], out gk[ch]);
                    ChannelsLast.Affine(gp, xp, gxp, x.numel(), ga, gq, gk);
                }
                else CpuKernel.ParallelItems(c, n * s, (c0, c1) =>
                {
                    for (long ch = c0; ch < c1; ch++)
                    {
                        double sg = 0, sgx = 0;
                        for (long i = 0; i < n; i++) SumProducts(gp + (i * c + ch) * s, xp + (i * c + ch) * s, s, ref sg, ref sgx);
                        GradCoefficients(sg, sgx, m, wv[ch], mean[ch], var[ch], eps, out gw[ch], out gb[ch], out float a, out float q, out float k);
                        for (long i = 0; i < n; i++) InputGrad(gp + (i * c + ch) * s, xp + (i * c + ch) * s, gxp + (i * c + ch) * s, s, a, q, k);
                    }
                });
            }
            return (gx, tensor(gw), tensor(gb));
        }

        /// <summary>The channels-last loops: storage <c>[R, C]</c> read flat, element i in channel i mod C. A run of
        /// P = lcm(C, vector width) elements holds every channel P/C times at fixed lanes, so per-channel values become
        /// per-lane patterns of P values and sums per-lane accumulators folded to channels at the end.</summary>
        static class ChannelsLast
        {
            /// <summary>Elements per work item: the largest multiple of P not above <see cref="CpuKernel.Chunk"/> (at least P).</summary>
            static long ItemSize(int p) => Math.Max(p, CpuKernel.Chunk / p * p);

            /// <summary>Per channel Σu and Σu² (<paramref name="v"/> null) or Σu and Σu·v, in double; the partial sums of each
            /// work item added in item order.</summary>
            public static unsafe (double[] S1, double[] S2) Sums(float* u, float* v, long total, int c)
            {
                int p = CpuKernel.ChannelsLastPeriod(c);
                long item = ItemSize(p), items = (total + item - 1) / item;
                var partial = new double[items * 2 * c];
                CpuKernel.ParallelItems(items, item, (i0, i1) =>
                {
                    var acc = new double[2 * p];
                    for (long it = i0; it < i1; it++)
                    {
                        Array.Clear(acc);
                        long start = it * item, len = Math.Min(total, start + item) - start;
                        fixed (double* a = acc)
                            if (v is null) SumPattern(u + start, u + start, len, p, a, a + p);
                            else SumPattern(u + start, v + start, len, p, a, a + p);
                        for (int j = 0; j < p; j++)
                        {
                            partial[(it * 2) * c + j % c] += acc[j];
                            partial[(it * 2 + 1) * c + j % c] += acc[p + j];
                        }
                    }
                });
                var s1 = new double[c];
                var s2 = new double[c];
                for (long it = 0; it < items; it++)
                    for (int ch = 0; ch < c; ch++)
                    {
                        s1[ch] += partial[(it * 2) * c + ch];
                        s2[ch] += partial[(it * 2 + 1) * c + ch];
                    }
                return (s1, s2);
            }

            /// <summary>Per lane j of every run of P: <c>a[j] += u</c>, <c>b[j] += u·v</c> (widened to double).</summary>
            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            static unsafe void SumPattern(float* u, float* v, long len, int p, double* a, double* b)
            {
                int w = Vector<float>.Count, h = Vector<double>.Count;
                long i = 0;
                for (; i + p <= len; i += p)
                    for (int j = 0; j < p; j += w)
                    {
                        Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(u + i + j), out var ulo, out var uhi);
                        Vector.Widen(Unsafe.ReadUnaligned<Vector<float>>(v + i + j), out var vlo, out var vhi);
                        Unsafe.WriteUnaligned(a + j, Unsafe.ReadUnaligned<Vector<double>>(a + j) + ulo);
                        Unsafe.WriteUnaligned(a + j + h, Unsafe.ReadUnaligned<Vector<double>>(a + j + h) + uhi);
                        Unsafe.WriteUnaligned(b + j, Unsafe.ReadUnaligned<Vector<double>>(b + j) + ulo * vlo);
                        Unsafe.WriteUnaligned(b + j + h, Unsafe.ReadUnaligned<Vector<double>>(b + j + h) + uhi * vhi);
                    }
                for (int j = 0; i < len; i++, j++)
                {
                    double x = u[i];
                    a[j] += x;
                    b[j] += x * v[i];
                }
            }

            /// <summary><c>out = α[c]·u + k[c]</c> (<paramref name="v"/> null) or <c>α[c]·u − q[c]·v + k[c]</c>, per channel c.</summary>
            public static unsafe void Affine(float* u, float* v, float* output, long total, float[] alpha, float[]? q, float[] k)
            {
                int p = CpuKernel.ChannelsLastPeriod(alpha.Length);
                var pa = CpuKernel.ChannelsLastPattern(alpha);
                var pq = q is null ? new float[p] : CpuKernel.ChannelsLastPattern(q);
                var pk = CpuKernel.ChannelsLastPattern(k);
                long item = ItemSize(p);
                CpuKernel.ParallelItems((total + item - 1) / item, item, (i0, i1) =>
                {
                    long start = i0 * item, end = Math.Min(total, i1 * item);
                    fixed (float* a = pa, b = pq, kk = pk)
                        AffinePattern(u + start, v is null ? null : v + start, output + start, end - start, p, a, b, kk);
                });
            }

            [MethodImpl(MethodImplOptions.AggressiveOptimization)]
            static unsafe void AffinePattern(float* u, float* v, float* output, long len, int p, float* a, float* q, float* k)
            {
                int w = Vector<float>.Count;
                long i = 0;
                if (v is null)
                {
                    for (; i + p <= len; i += p)
                        for (int j = 0; j < p; j += w)
                            Unsafe.WriteUnaligned(output + i + j, Unsafe.ReadUnaligned<Vector<float>>(u + i + j) * Unsafe.ReadUnaligned<Vector<float>>(a + j)
                                + Unsafe.ReadUnaligned<Vector<float>>(k + j));
                    for (int j = 0; i < len; i++, j++) output[i] = u[i] * a[j] + k[j];
                }
                else
                {
                    for (; i + p <= len; i += p)
                        for (int j = 0; j < p; j += w)
                            Unsafe.WriteUnaligned(output + i + j, Unsafe.ReadUnaligned<Vector<float>>(u + i + j) * Unsafe.ReadUnaligned<Vector<float>>(a + j)
                                - Unsafe.ReadUnaligned<Vector<float>>(v + i + j) * Unsafe.ReadUnaligned<Vector<float>>(q + j) + Unsafe.ReadUnaligned<Vector<float>>(k + j));
                    for (int j = 0; i < len; i++, j++) output[i] = u[i] * a[j] - v[i] * q[j] + k[j];
                }
            }
        }

        public sealed class Function : autograd.MultiTensorFunction<Function>
        {
            public override string Name => "SpikeKitBatchNorm";

            public override List<Tensor> forward(autograd.AutogradContext ctx, params object[] vars)
            {
                var x = (Tensor)vars[0];
                var w = (Tensor)vars[1];
                var b = (Tensor)vars[2];
                var bn = (ThresholdDependentBatchNorm)vars[3];
                var (y, mean, var) = Forward(x, w, b, bn.running_mean, bn.running_var, bn.Momentum, bn.Eps);
                ctx.save_for_backward([x, w]);
                ctx.save_data("mean", mean);
                ctx.save_data("var", var);
                ctx.save_data("eps", bn.Eps);
                return [y];
            }

            public override List<Tensor> backward(autograd.AutogradContext ctx, List<Tensor> grad_outputs)
            {
                var saved = ctx.get_saved_variables();
                using var x = saved[0];
                using var w = saved[1];
                var (gx, gw, gb) = Backward(grad_outputs[0], x, w, (double[])ctx.get_data("mean"), (double[])ctx.get_data("var"), (double)ctx.get_data("eps"));
                return [gx, gw, gb, null!];
            }
        }
    }
}
