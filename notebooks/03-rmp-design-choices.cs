#!/usr/bin/env dotnet
// Kernel-free twin of 03-rmp-design-choices.ipynb: the notebook's code cell by cell, with page.Show(...) where a cell shows
// its last value. Run: dotnet run notebooks/03-rmp-design-choices.cs (SPIKEKIT_PRESET=full for the long form). Tables and
// charts go to results/notebooks/twins/03-rmp-design-choices/ (see 01-getting-started.cs). Built from source (#:project).
#:project ../lib/SpikeKit.Reporting/SpikeKit.Reporting.csproj
#:package TorchSharp-cpu
using SpikeKit.Experiments;
using SpikeKit.Reporting;
using SpikeKit.Reporting.Frames;
using SpikeKit.Reporting.Plotting;
using SpikeKit.Reporting.Notebooks;

Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);   // as Jupyter: in notebooks/
var page = new NotebookOutput("03-rmp-design-choices");

// Parameters
var preset = NotebookPresets.Default;                       // "quick" or "full" ($SPIKEKIT_PRESET)
var config = NotebookPresets.DesignChoices(preset);         // the RMP-Loss run every arm varies
var arms = NotebookPresets.DesignArms(config);
var seeds = NotebookPresets.Seeds(preset);
var dir = NotebookPresets.ResultDirectory("03-rmp-design-choices", preset);
page.Show(string.Join(", ", arms.Select(a => a.Label)));

// The runs
var plan = SweepSpec.FromArms("03-rmp-design-choices", arms, seeds).Expand();   // one axis "arm", one row per arm
SweepRunner.RunAll(dir, plan, new SweepOptions(RunProgress: r => new EpochLines($"[{r.Labels["arm"]}] ")));
var results = ResultSet.Load(dir);
page.Show(results.SummaryTable(baseline: "rmp-lambda=0"));   // Δ columns against λ = 0, the unregularized run

// λ
var lambdas = results.Where(r => r.Variant.StartsWith("rmp-lambda="));
page.Show(lambdas.LambdaSweep());
page.Show(Charts.LambdaSensitivity(lambdas), "lambda sensitivity");
page.Show(Charts.PotentialDistributions(lambdas, new[] { "rmp-lambda=0", "rmp-lambda=1" }), "potentials lambda");

// Schedule, clipping, layers
var reference = new[] { "rmp-lambda=0", "rmp-lambda=0.5" };
page.Show(Charts.VariantComparison(results.Where(r => reference.Contains(r.Variant) || r.Variant.StartsWith("lambda-schedule=")), baseline: "rmp-lambda=0"), "schedules");
page.Show(Charts.VariantComparison(results.OnlyVariants("rmp-lambda=0", "rmp-lambda=0.5", "rmp-clip=false"), baseline: "rmp-lambda=0"), "clipping");
var layers = results.OnlyVariants("rmp-lambda=0", "rmp-lambda=0.5", "rmp-layers=first:1", "rmp-layers=last:1");
page.Show(Charts.QuantizationErrorByLayer(layers), "layers");

// The report
var files = ReportWriter.Write(dir);
page.Show($"{files.Markdown} and {files.Charts.Count} charts");
