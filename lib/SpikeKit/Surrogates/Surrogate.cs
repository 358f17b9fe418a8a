using System.Numerics;
using System.Runtime.Intrinsics;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Surrogates;

/// <summary>How a surrogate attaches its gradient to the Heaviside step.</summary>
public enum SurrogateMode
{
    /// <summary>
    /// Straight-through with the primitive: <c>o = H(x).detach() + g(x) - g(x).detach()</c>, where <c>g' = σ'</c>.
    /// Pure tensor ops, no managed callback in backward. Default: it measured faster (see <c>docs/DESIGN.md</c>).
    /// </summary>
    Detach,

    /// <summary>A custom autograd function whose backward multiplies the incoming gradient by <c>σ'(x)</c>.</summary>
    Autograd,
}

/// <summary>
/// A surrogate gradient for the spike function: the forward pass is the exact Heaviside step
/// <c>o = H(x) = [x ≥ 0]</c> of <c>x = u − V_th</c>; the backward pass uses a smooth derivative <c>σ'(x)</c> instead of the Dirac delta.
/// (Neftci, Mostafa &amp; Zenke, "Surrogate gradient learning in SNNs", IEEE SPM 2019.)
/// </summary>
public abstract record Surrogate
{
    /// <summary>How the gradient is attached; <see cref="SurrogateMode.Detach"/> by default.</summary>
    public SurrogateMode Mode { get; init; } = SurrogateMode.Detach;

    /// <summary>A primitive <c>g</c> of the surrogate derivative (<c>g' = σ'</c>), elementwise on a tensor.</summary>
    public abstract Tensor Primitive(Tensor x);

    /// <summary>The surrogate derivative <c>σ'(x)</c>, elementwise on a tensor.</summary>
    public abstract Tensor Derivative(Tensor x);

    /// <summary>The surrogate derivative at one point, in double precision (reference for tests and plots).</summary>
    public abstract double Derivative(double x);

    /// <summary>
    /// Hands this surrogate's fast float32 derivative (a struct <see cref="ISurrogateKernel"/>, declared next to its
    /// formulas in the surrogate's own file) to <paramref name="runner"/> and returns true; returns false for a surrogate
    /// without one (user-defined), which the fused kernels evaluate by <see cref="Derivative(Tensor)"/> (ATen) instead.
    /// Called once per kernel launch: the runner's generic method is compiled per kernel struct, so the hot loop inlines σ'.
    /// </summary>
    internal virtual bool RunKernel(ISurrogateKernelRunner runner) => false;

    /// <summary>True for the built-in surrogates, whose σ' the fused kernels evaluate in their loops.</summary>
    internal bool HasKernel => RunKernel(NoKernel.Instance);

    sealed class NoKernel : ISurrogateKernelRunner
    {
        public static readonly NoKernel Instance = new();
        public void Run<TKernel>(TKernel kernel) where TKernel : struct, ISurrogateKernel { }
    }

    /// <summary>Spikes <c>H(x)</c> (as 0/1 in <paramref name="x"/>'s dtype) whose gradient is <c>σ'(x)</c>.</summary>
    public Tensor Spike(Tensor x)
    {
        if (!x.requires_grad) return x.ge(0).to_type(x.dtype);
        if (Mode == SurrogateMode.Autograd) return SurrogateFunction.apply(x, this);
        using var xd = x.detach();
        using var step = xd.ge(0).to_type(x.dtype);
        using var g = Primitive(x);
        using var gd = g.detach();
        return g.sub(gd).add_(step);
    }

    /// <summary>Shorthand for the default surrogate of the RMP-Loss authors' code: <see cref="TanhSurrogate"/>.</summary>
    public static Surrogate Default => new TanhSurrogate();

    /// <summary>Creates a surrogate by name: tanh, rectangular, triangle, sigmoid, atan.</summary>
    /// <exception cref="ArgumentException">For an unknown name; the message lists the known ones.</exception>
    public static Surrogate FromName(string name) => name.ToLowerInvariant() switch
    {
        "tanh" => new TanhSurrogate(),
        "rectangular" or "rect" => new RectangularSurrogate(),
        "triangle" => new TriangleSurrogate(),
        "sigmoid" => new SigmoidSurrogate(),
        "atan" => new AtanSurrogate(),
        _ => throw new ArgumentException($"unknown surrogate '{name}' (known: tanh, rectangular, triangle, sigmoid, atan)", nameof(name)),
    };

    /// <summary>Names accepted by <see cref="FromName"/>.</summary>
    public static IReadOnlyList<string> Names { get; } = ["tanh", "rectangular", "triangle", "sigmoid", "atan"];

    sealed class SurrogateFunction : autograd.SingleTensorFunction<SurrogateFunction>
    {
        public override string Name => "SpikeKitSurrogate";

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var x = (Tensor)vars[0];
            ctx.save_for_backward([x]);
            ctx.save_data("s", vars[1]);
            return x.ge(0).to_type(x.dtype);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
        {
            var x = ctx.get_saved_variables()[0];
            var s = (Surrogate)ctx.get_data("s");
            using var d = s.Derivative(x);
            return [grad_output.mul(d), null!];
        }
    }
}

/// <summary>
/// A surrogate derivative <c>σ'(c)</c> of the centred potential <c>c = u − V_th</c> evaluated inside the fused CPU kernels
/// (no temporary tensors), with the same float32 arithmetic as the surrogate's tensor <c>Derivative</c>. Implemented by
/// structs so that the JIT specializes and inlines each kernel loop. <c>k</c> is the element's flat index (used only by a
/// kernel that reads σ' precomputed into a buffer).
/// </summary>
internal interface ISurrogateKernel
{
    /// <summary>σ' of a vector of centred potentials whose first element has flat index <paramref name="k"/>.</summary>
    Vector<float> Derivative(Vector<float> c, long k);

    /// <summary>σ' of 16 centred potentials, the first with flat index <paramref name="k"/>: the same per-lane arithmetic as the
    /// <see cref="Vector{T}"/> form (so the same bits), for loops that run 512 bits wide where the CPU accelerates them.</summary>
    Vector512<float> Derivative(Vector512<float> c, long k);

    /// <summary>σ' of one centred potential with flat index <paramref name="k"/>.</summary>
    float Derivative(float c, long k);
}

/// <summary>Something that runs a kernel loop specialized for one surrogate (see <see cref="Surrogate.RunKernel"/>).</summary>
internal interface ISurrogateKernelRunner
{
    /// <summary>Runs the loop with σ' from <paramref name="kernel"/>.</summary>
    void Run<TKernel>(TKernel kernel) where TKernel : struct, ISurrogateKernel;
}
