#!/usr/bin/env dotnet
// Kernel-free twin of 05-sweeps-and-paper-tables.ipynb: the notebook's code cell by cell, with page.Show(...) where a cell
// shows its last value or prints. Run: dotnet run notebooks/05-sweeps-and-paper-tables.cs (SPIKEKIT_PRESET=full runs the
// cpu-ablation preset). The sweep trains in spikekit child processes: SPIKEKIT_CLI names a built SpikeKit.Cli.dll, or
// `spikekit` is on the PATH (dotnet tool install). Output in results/notebooks/twins/05-sweeps-and-paper-tables/.
#:project ../lib/SpikeKit.Reporting/SpikeKit.Reporting.csproj
#:package TorchSharp-cpu
using System.IO;
using System.Linq;
using SpikeKit.Config;
using SpikeKit.Experiments;
using SpikeKit.Reporting;
using SpikeKit.Reporting.Frames;
using SpikeKit.Reporting.Plotting;
using SpikeKit.Reporting.Notebooks;

Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);   // as Jupyter: in notebooks/
var page = new NotebookOutput("05-sweeps-and-paper-tables");

// The spec and its runs
var preset = NotebookPresets.Default;
var quick = """
{
  "name": "nb05-quick",
  "base": { "dataset": "fashion-mnist", "epochs": 1, "batchSize": 64, "trainLimit": 1024, "testLimit": 1000 },
  "grid": {
    "model": [ { "label": "CNN", "model": "cnn" } ],
    "timeSteps": [2, 4],
    "variant": ["baseline", "rmp"],
    "seed": [0, 1]
  },
  "table": { "rows": ["model", "timeSteps"], "columns": ["variant"], "baseline": "baseline" }
}
""";
var spec = preset == "full" ? SweepSpec.Load("cpu-ablation") : SweepSpec.Parse(quick, "notebook 05", "nb05-quick");
var plan = spec.Expand();
var runs = new TableBuilder();
foreach (var r in plan.Runs)
    runs.Add(("index", r.Index), ("id", r.Id), ("model", r.Config.Model), ("T", r.Config.TimeSteps), ("variant", r.Config.Variant), ("seed", r.Config.Seed));
page.Show(runs.ToFrame());

// A malformed spec is one message naming the JSON path
try { SweepSpec.Parse("""{ "grid": { "timeSteps": [2, "four"] } }"""); }
catch (ConfigException e) { page.Show(e.Message); }

// Run it: two runs at a time, each in its own spikekit process (LibTorch threads and RNG are per process); one thread each.
var dir = Path.Combine(NotebookPresets.ResultDirectory("05-sweeps", preset), plan.Name);
var outcome = SweepRunner.RunAll(dir, plan, new SweepOptions(Jobs: 2, Threads: 1));
var status = new TableBuilder();
foreach (var s in outcome.Runs)
    status.Add(("id", s.Run.Id), ("state", s.Status.ToString()), ("epochs", s.EpochsDone), ("final acc (%)", 100 * (s.Summary?.FinalTestAccuracy ?? double.NaN)),
               ("QE", s.Summary?.FinalMeanQuantizationError ?? double.NaN), ("wall (s)", s.Summary?.WallSeconds ?? double.NaN));
page.Show(status.ToFrame());

// Resume: a second pass trains nothing
int Started() => File.ReadLines(Path.Combine(dir, SweepRunner.LogFile)).Count(l => l.Contains(" started ") || l.Contains(" resumed "));
int before = Started();
SweepRunner.RunAll(dir, plan);
page.Show($"second pass: {Started() - before} run(s) trained");

// The paper table
var table = PaperTable.Load(dir);
page.Show(table.AccuracyTable);
page.Show(table.QuantizationErrorTable);
page.Show(PaperTableWriter.Latex(table));

// Charts
var results = ResultSet.Load(dir);
page.Show(Charts.QuantizationErrorByLayer(results), "quantization error by layer");
page.Show(Charts.AccuracyCurves(results), "accuracy");

// The Slurm script
page.Show(SlurmScript.Create(plan, plan.Runs.Select(r => r.Index).ToList(),
    "spikekit sweep /scratch/results/nb05-quick", dir, "/scratch", new SlurmOptions(CpusPerTask: 2, MaxParallel: 4)));
