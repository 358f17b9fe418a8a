#!/usr/bin/env dotnet
// Kernel-free twin of 01-getting-started.ipynb: the notebook's code cell by cell, with page.Show(...) where a cell shows
// its last value. Run: dotnet run notebooks/01-getting-started.cs (any folder; SPIKEKIT_PRESET=full for the long form).
// Tables and charts go to one page, results/notebooks/twins/01-getting-started/01-getting-started.html, each chart also
// to charts/NN-name.html (and .png when Chromium is installed). Built from this checkout's source (#:project).
#:project ../lib/SpikeKit.Reporting/SpikeKit.Reporting.csproj
#:package TorchSharp-cpu
using System.IO;
using SpikeKit.Data;
using SpikeKit.Config;
using SpikeKit.Layers;
using SpikeKit.Models;
using SpikeKit.Neurons;
using SpikeKit.Probes;
using SpikeKit.Training;
using SpikeKit.Reporting.Frames;
using SpikeKit.Reporting.Plotting;
using SpikeKit.Reporting.Notebooks;
using TorchSharp;
using static TorchSharp.torch;

Directory.SetCurrentDirectory((string)AppContext.GetData("EntryPointFileDirectoryPath")!);   // as Jupyter: in notebooks/
var page = new NotebookOutput("01-getting-started");

// Parameters
var preset = NotebookPresets.Default;                       // "quick" or "full" ($SPIKEKIT_PRESET)
var config = NotebookPresets.GettingStarted(preset);
page.Show(config);

// The data
var (train, test) = Datasets.Load(config.Dataset, config.DataDir, config.TrainLimit, config.TestLimit, config.Seed);
page.Show($"{train}\n{test}");

// A spiking CNN from primitives
manual_seed(config.Seed);
var lif = config.ToNeuronOptions();                         // τ = 0.25, V_th = 0.5, hard reset, tanh surrogate
var model = new SequentialSpikingNetwork("my-cnn", config.TimeSteps,
    ("conv1", new TimeDistributed(nn.Conv2d(1, 16, 3, padding: 1, bias: false))),
    ("norm1", new ThresholdDependentBatchNorm(16, threshold: lif.Threshold)),
    ("lif1",  new LifNeuron(lif)),
    ("pool1", new TimeDistributed(nn.AvgPool2d(2))),
    ("conv2", new TimeDistributed(nn.Conv2d(16, 32, 3, padding: 1, bias: false))),
    ("norm2", new ThresholdDependentBatchNorm(32, threshold: lif.Threshold)),
    ("lif2",  new LifNeuron(lif)),
    ("pool2", new TimeDistributed(nn.AvgPool2d(2))),
    ("fc",    new TimeDistributed(nn.Sequential(nn.Flatten(), nn.Linear(32 * 7 * 7, 10)))));
page.Show($"{model.ParameterCount} parameters; spiking layers: {string.Join(", ", model.Neurons.Select(n => n.Name))}");

// Before training
var before = LayerTrace.Record(model, test, index: 0, layer: "body.lif1", maxNeurons: 64);
page.Show(Charts.SpikeRaster(before), "spike raster before training");

// Training
var options = config.ToTrainingOptions();
var trainer = new Trainer(model, config.ToLoss(), options);
var trainLoader = new BatchLoader(train, options.BatchSize, shuffle: true, Augmentation.None, config.Seed);
var testLoader = new BatchLoader(test, 256, shuffle: false, Augmentation.None, config.Seed);
var history = trainer.Fit(trainLoader, testLoader, new EpochLines());      // trains now; returns every epoch
page.Show(Tables.Epochs(history));
page.Show(Tables.Layers(history[^1]));                                      // per-layer statistics after the last epoch

// After training
var after = LayerTrace.Record(model, test, index: 0, layer: "body.lif1", maxNeurons: 64);
page.Show(Charts.MembraneTrace(after, after.MostActiveNeuron()), "membrane trace");
page.Show(Charts.SpikeRaster(after), "spike raster after training");

// Save the two charts as standalone HTML pages next to the notebook's results.
var dir = NotebookPresets.ResultDirectory("01-getting-started", preset);
ChartHtml.Save(Charts.MembraneTrace(after), Path.Combine(dir, "membrane-trace.html"), "Membrane trace");
ChartHtml.Save(Charts.SpikeRaster(after), Path.Combine(dir, "spike-raster.html"), "Spike raster");
page.Show($"charts in {Path.GetFullPath(dir)}");
