#!/usr/bin/env dotnet
// Kernel-free twin of 02-rmp-loss-ablation.ipynb: the notebook's code cell by cell, with page.Show(...) where a cell shows
// its last value. Run: dotnet run notebooks/02-rmp-loss-ablation.cs (SPIKEKIT_PRESET=full for the long form). Tables and
// charts go to results/notebooks/twins/02-rmp-loss-ablation/ (see 01-getting-started.cs). Built from source (#:project).
#:project ../lib/SpikeKit.Reporting/SpikeKit.Reporting.csproj
#:package TorchSharp-cpu
using SpikeKit.Experiments;
using SpikeKit.Reporting;
using SpikeKit.Reporting.Frames;
using SpikeKit.Reporting.Plotting;
using SpikeKit.Reporting.Notebooks;

Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);   // as Jupyter: in notebooks/
var page = new NotebookOutput("02-rmp-loss-ablation");

// Parameters
var preset = NotebookPresets.Default;                       // "quick" or "full" ($SPIKEKIT_PRESET)
var config = NotebookPresets.Ablation(preset);
var variants = new[] { "baseline", "rmp", "tet", "tet+rmp" };
var seeds = NotebookPresets.Seeds(preset);
var dir = NotebookPresets.ResultDirectory("02-rmp-loss-ablation", preset);
page.Show(config);

// The runs
var plan = SweepSpec.Ablation(config, variants, seeds, "02-rmp-loss-ablation").Expand();   // what `spikekit ablate` runs
SweepRunner.RunAll(dir, plan, new SweepOptions(RunProgress: r => new EpochLines($"[{r.Id}] ")));
var results = ResultSet.Load(dir);
page.Show(results.ToString());

// Summary
page.Show(results.SummaryTable());
var summary = results.Summary();
var qe = summary.GetColumn<double>("mean_quantization_error");
page.Show($"Mean quantization error: baseline {qe.Get("baseline"):F4}, RMP-Loss {qe.Get("rmp"):F4} " +
         $"({(qe.Get("rmp") < qe.Get("baseline") ? "lower" : "NOT lower")} with RMP-Loss); TET {qe.Get("tet"):F4}, TET + RMP-Loss {qe.Get("tet+rmp"):F4}");

// Curves, layers, potentials
page.Show(Charts.AccuracyCurves(results), "accuracy");
page.Show(Charts.LossCurves(results), "loss");
page.Show(Charts.QuantizationErrorByLayer(results), "quantization error by layer");
page.Show(Charts.FiringRateByLayer(results), "firing rate by layer");
page.Show(results.LayerSummary());
page.Show(Charts.PotentialDistributions(results, new[] { "baseline", "rmp" }), "potentials baseline rmp");
page.Show(Charts.PotentialDistributions(results, new[] { "tet", "tet+rmp" }), "potentials tet tet+rmp");

// The report
var files = ReportWriter.Write(dir);
page.Show($"{files.Markdown} and {files.Charts.Count} charts");
