using System.Runtime.Loader;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Formatting;
using SpikeKit.Reporting.Notebooks;

namespace SpikeKit.Interactive;

/// <summary>
/// The .NET Interactive kernel extension of the <c>SpikeKit.Interactive</c> package. The kernel runs it when a notebook loads
/// the package (<c>#r "nuget: SpikeKit.Interactive"</c>; the assembly sits in the package's
/// <c>interactive-extensions/dotnet/</c>): it makes TorchSharp's native backend load
/// (<see cref="SpikeKit.Native.TorchNative.EnsureLoaded"/>), binds FSharp.Core to the kernel's own copy and registers
/// <see cref="Register">the HTML formatters</see>. The notebook still picks the backend package
/// (<c>#r "nuget: TorchSharp-cpu"</c>).
/// <para>FSharp.Core: the kernel runs on the FSharp.Core it ships (10.0 in Microsoft.dotnet-interactive 1.0.712001), while
/// Deedle and Plotly.NET ask for 10.1; a second FSharp.Core cannot be loaded beside the first, so every request for
/// FSharp.Core is answered with the loaded one (<see cref="AssemblyLoadContext.Resolving"/>, which runs before the kernel's
/// own <see cref="AppDomain.AssemblyResolve"/> handler). Everything the kit calls exists in both versions.</para>
/// </summary>
public sealed class SpikeKitKernelExtension : IKernelExtension
{
    /// <summary>Called by the kernel when the package is loaded.</summary>
    /// <param name="kernel">The kernel that loaded the package.</param>
    public Task OnLoadAsync(Kernel kernel)
    {
        BindFSharpCore();
        SpikeKit.Native.TorchNative.EnsureLoaded();
        Register();
        if (KernelInvocationContext.Current is { } context)
            KernelInvocationContextExtensions.Display(context,
                $"SpikeKit {typeof(NotebookHtml).Assembly.GetName().Version?.ToString(3)} loaded: TorchSharp " +
                $"{typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)} ({SpikeKit.Native.TorchNative.Description}); " +
                "Deedle frames, Plotly.NET charts, paper tables, result sets and run summaries render as HTML.", "text/plain");
        return Task.CompletedTask;
    }

    static int _bound;

    static void BindFSharpCore()
    {
        if (Interlocked.Exchange(ref _bound, 1) == 1) return;
        AssemblyLoadContext.Default.Resolving += (_, name) => name.Name == "FSharp.Core"
            ? AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "FSharp.Core")
            : null;
    }

    /// <summary>
    /// Registers a <c>text/html</c> formatter, preferred over plain text, for each of <see cref="NotebookHtml.Types"/>
    /// that writes <see cref="NotebookHtml.ToHtml"/> (the same HTML the kernel-free twins show). Idempotent.
    /// </summary>
    public static void Register()
    {
        foreach (var type in NotebookHtml.Types)
        {
            Formatter.Register(type, (o, w) => w.Write(NotebookHtml.ToHtml(o)), HtmlFormatter.MimeType);
            Formatter.SetPreferredMimeTypesFor(type, HtmlFormatter.MimeType);
        }
    }
}
