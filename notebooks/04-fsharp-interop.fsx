// Kernel-free twin of 04-fsharp-interop.ipynb: the notebook's code cell by cell, with page.Show(...) where a cell shows its
// last value. Run: dotnet fsi notebooks/04-fsharp-interop.fsx (SPIKEKIT_PRESET=full for the long form). Tables and
// charts go to results/notebooks/twins/04-fsharp-interop/ (see 01-getting-started.cs). SpikeKit comes as packages, as in
// the notebook: from nuget.org once published; until then from the local feed of `dotnet pack Research.sln -c Release`,
// which `#i "nuget: /absolute/path/to/artifacts/feed"` here (absolute paths only), a registered source (README) or
// RestoreAdditionalProjectSources=$PWD/artifacts/feed in the environment (what notebooks/run-all.sh does) makes known.
#r "nuget: TorchSharp-cpu, 0.107.0"
#r "nuget: SpikeKit.Reporting"

System.IO.Directory.SetCurrentDirectory __SOURCE_DIRECTORY__      // as Jupyter: in notebooks/
SpikeKit.Native.TorchNative.EnsureLoaded()

open Deedle
open Plotly.NET
open SpikeKit.Experiments
open SpikeKit.Reporting.Frames
open SpikeKit.Reporting.Notebooks

let page = NotebookOutput "04-fsharp-interop"

// Parameters
let preset = NotebookPresets.Default                        // "quick" or "full" ($SPIKEKIT_PRESET)
let config = NotebookPresets.Ablation preset                // the same configuration as notebook 02
let dir = NotebookPresets.ResultDirectory("02-rmp-loss-ablation", preset)
page.Show config |> ignore

// The plan of notebook 02 (same variants, same folder): its finished runs are reused, nothing is trained twice.
let plan = SweepSpec.Ablation(config, [| "baseline"; "rmp"; "tet"; "tet+rmp" |], NotebookPresets.Seeds preset, "02-rmp-loss-ablation").Expand()
let progress = System.Func<PlannedRun, SpikeKit.Training.ITrainingProgress>(fun r -> EpochLines(sprintf "[%s] " r.Id))
SweepRunner.RunAll(dir, plan, SweepOptions(RunProgress = progress)) |> ignore
let results = ResultSet.Load dir
page.Show(results.ToString()) |> ignore

// The summary with Deedle's F# API
let perVariant =
    results.RunTable
    |> Frame.filterRowsBy "status" "completed"
    |> Frame.sliceCols [ "variant"; "final_acc"; "mean_quantization_error"; "mean_firing_rate" ]
    |> Frame.groupRowsByString "variant"
    |> Frame.dropCol "variant"
    |> Frame.applyLevel fst Stats.mean
page.Show perVariant |> ignore

let qe = perVariant.GetColumn<float> "mean_quantization_error"
let change = (qe.["rmp"] - qe.["baseline"]) / qe.["baseline"]
page.Show(sprintf "RMP-Loss changes the mean quantization error by %+.1f %% (baseline %.4f, RMP-Loss %.4f)" (100.0 * change) qe.["baseline"] qe.["rmp"]) |> ignore

// A chart with Plotly.NET's F# API
let lastEpoch = results.Layers |> Frame.filterRowsBy "epoch" (results.Runs |> Seq.map (fun r -> r.LastEpoch) |> Seq.max)

[ for variant in [ "baseline"; "rmp" ] ->
    let rows = lastEpoch |> Frame.filterRowsBy "variant" variant
    Chart.Column(values = rows.GetColumn<float>("quantization_error").Values,
                 Keys = rows.GetColumn<string>("layer").Values,
                 Name = variant) ]
|> Chart.combine
|> Chart.withTitle "Quantization error per layer (F#)"
|> Chart.withXAxisStyle "layer"
|> Chart.withYAxisStyle "quantization error"
|> fun chart -> page.Show(chart, "quantization error per layer")
|> ignore

// And one of the kit's charts
SpikeKit.Reporting.Plotting.Charts.PotentialDistributions(results, [ "baseline"; "rmp" ])
|> Chart.withTitle "Membrane potentials before (baseline) and after RMP-Loss"
|> fun chart -> page.Show(chart, "potentials")
|> ignore
