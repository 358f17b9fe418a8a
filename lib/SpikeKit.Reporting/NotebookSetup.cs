using System.Reflection;
using System.Runtime.CompilerServices;

namespace SpikeKit.Reporting;

/// <summary>
/// One call that prepares a .NET Interactive notebook (C# or F# kernel) for SpikeKit:
/// <list type="number">
/// <item>resolves the FSharp.Core version clash (the kernel carries its own FSharp.Core; Deedle and Plotly.NET are built
/// against 10.1) with an <see cref="AppDomain.AssemblyResolve"/> handler that returns the FSharp.Core already loaded;</item>
/// <item>makes TorchSharp's native backend load (<see cref="Native.TorchNative.EnsureLoaded"/>; it finds the natives beside
/// <c>TorchSharp.dll</c> or in the NuGet cache, wherever the kernel loaded the assembly from);</item>
/// <item>registers an HTML formatter for Deedle frames and series (<see cref="Frames.FrameHtml"/>) and one for Plotly.NET
/// charts (<see cref="Plotting.ChartHtml.Inline"/>), so both render inline.</item>
/// </list>
/// The formatters are registered through reflection on <c>Microsoft.DotNet.Interactive.Formatting</c>, so this library
/// needs no reference to it and the call is harmless outside a kernel (steps 1 and 2 still run).
/// </summary>
/// <example>First code cell of a notebook:
/// <code>
/// #r "../lib/SpikeKit.Reporting/bin/Release/net10.0/SpikeKit.Reporting.dll"
/// SpikeKit.Reporting.NotebookSetup.Initialize();
/// </code></example>
public static class NotebookSetup
{
    static readonly object Gate = new();
    static bool _resolverInstalled;

    /// <summary>Rows shown by the frame formatter before it elides the middle (default 20).</summary>
    public static int MaxRows { get; set; } = 20;

    /// <summary>Columns shown by the frame formatter before it elides the rest (default 30).</summary>
    public static int MaxColumns { get; set; } = 30;

    /// <summary>
    /// Runs the three steps and prints one line saying what was done. Idempotent.
    /// </summary>
    /// <param name="maxRows">Rows the frame formatter shows (the first and last halves; the middle is elided).</param>
    /// <returns>True when the notebook formatters were registered (a .NET Interactive kernel is running), false otherwise.</returns>
    /// <exception cref="InvalidOperationException">When TorchSharp's native backend cannot be loaded (the message says why).</exception>
    public static bool Initialize(int maxRows = 20)
    {
        MaxRows = Math.Max(2, maxRows);
        InstallFSharpCoreResolver();
        LoadTorch();
        bool formatters = RegisterFormatters();
        Console.WriteLine($"SpikeKit ready: TorchSharp {TorchDescription()}; " +
                          (formatters ? "Deedle frames and Plotly.NET charts render as HTML." : "no notebook kernel found (formatters not registered)."));
        return formatters;
    }

    /// <summary>
    /// Installs the <see cref="AppDomain.AssemblyResolve"/> handler that answers any request for FSharp.Core with the
    /// FSharp.Core already loaded in the process (or, when none is, the one the default context resolves without a version).
    /// </summary>
    public static void InstallFSharpCoreResolver()
    {
        lock (Gate)
        {
            if (_resolverInstalled) return;
            AppDomain.CurrentDomain.AssemblyResolve += ResolveFSharpCore;
            _resolverInstalled = true;
        }
    }

    [ThreadStatic] static bool _resolving;

    static Assembly? ResolveFSharpCore(object? sender, ResolveEventArgs args)
    {
        if (_resolving || !args.Name.StartsWith("FSharp.Core,", StringComparison.Ordinal) && args.Name != "FSharp.Core") return null;
        var loaded = AppDomain.CurrentDomain.GetAssemblies().FirstOrDefault(a => a.GetName().Name == "FSharp.Core");
        if (loaded is not null) return loaded;
        try
        {
            _resolving = true;
            return Assembly.Load(new AssemblyName("FSharp.Core"));
        }
        catch (IOException) { return null; }
        finally { _resolving = false; }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    static void LoadTorch() => Native.TorchNative.EnsureLoaded();

    [MethodImpl(MethodImplOptions.NoInlining)]
    static string TorchDescription() =>
        $"{typeof(TorchSharp.torch).Assembly.GetName().Version?.ToString(3)} ({Native.TorchNative.Description})";

    /// <summary>
    /// Registers the HTML formatters for Deedle frames and series and for Plotly.NET charts with the running
    /// .NET Interactive kernel. Returns false (and does nothing) when no kernel's formatting assembly is loaded.
    /// </summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static bool RegisterFormatters()
    {
        InstallFSharpCoreResolver();
        var formatting = AppDomain.CurrentDomain.GetAssemblies()
            .FirstOrDefault(a => a.GetName().Name == "Microsoft.DotNet.Interactive.Formatting");
        var formatter = formatting?.GetType("Microsoft.DotNet.Interactive.Formatting.Formatter");
        var register = formatter?.GetMethod("Register", BindingFlags.Public | BindingFlags.Static,
            [typeof(Type), typeof(Action<object, TextWriter>), typeof(string)]);
        if (formatter is null || register is null) return false;
        var prefer = formatter.GetMethod("SetPreferredMimeTypesFor", BindingFlags.Public | BindingFlags.Static, [typeof(Type), typeof(string[])]);
        void Add(Type type, Action<object, TextWriter> write)
        {
            register.Invoke(null, [type, write, "text/html"]);
            prefer?.Invoke(null, [type, new[] { "text/html" }]);
        }
        Add(typeof(Deedle.Frame<,>), (o, w) => w.Write(Frames.FrameHtml.ToHtml(o, MaxRows, MaxColumns)));
        Add(typeof(Deedle.Series<,>), (o, w) => w.Write(Frames.FrameHtml.ToHtml(o, MaxRows, MaxColumns)));
        Add(typeof(Plotly.NET.GenericChart), (o, w) => w.Write(Plotting.ChartHtml.Inline((Plotly.NET.GenericChart)o)));
        return true;
    }
}
