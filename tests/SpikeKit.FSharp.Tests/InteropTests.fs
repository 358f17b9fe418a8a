/// SpikeKit used from F#: a LIF neuron, a surrogate and RMP-Loss, with values computed by hand.
module SpikeKit.FSharp.Tests.InteropTests

open System
open Xunit
open TorchSharp
open SpikeKit.Native
open SpikeKit.Neurons
open SpikeKit.Surrogates
open SpikeKit.Losses
open SpikeKit.Config

let private values (t: torch.Tensor) : float[] =
    use d = t.detach().to_type(torch.ScalarType.Float64).contiguous()
    d.data<float>().ToArray()

let private f32 (xs: float list) (shape: int64[]) : torch.Tensor =
    use flat = torch.from_array (xs |> List.map float32 |> Array.ofList)
    flat.reshape shape

let private close (tol: float) (expected: float[]) (actual: float[]) =
    Assert.Equal(expected.Length, actual.Length)
    Array.iteri2 (fun i e a -> Assert.True(abs (e - a) <= tol, sprintf "[%d]: expected %g, got %g" i e a)) expected actual

/// The group's tanh surrogate derivative, written out: 3(1 − tanh²(3x)) / (2 tanh 1.5) on |x| ≤ ½.
let private tanhPrime x = if abs x <= 0.5 then 3.0 * (1.0 - tanh (3.0 * x) ** 2.0) / (2.0 * tanh 1.5) else 0.0

[<Fact>]
let ``LIF neuron with hard reset matches the hand computation`` () =
    TorchNative.EnsureLoaded()
    use scope = torch.NewDisposeScope()
    // tau 0.25, V_th 0.5; x = 0.6, 0.3, 0.4, 0.45:
    // u_pre = 0.6 (spike, u = 0), 0.3, 0.25·0.3 + 0.4 = 0.475, 0.25·0.475 + 0.45 = 0.56875 (spike).
    let lif = new LifNeuron(NeuronOptions(Tau = 0.25, Threshold = 0.5, Reset = ResetMode.Hard))
    let o = lif.forward (f32 [ 0.6; 0.3; 0.4; 0.45 ] [| 4L; 1L; 1L |])
    Assert.Equal<float[]>([| 1.0; 0.0; 0.0; 1.0 |], values o)
    let struct (potential, spikes) = lif.Activity.Value
    close 1e-6 [| 0.6; 0.3; 0.475; 0.56875 |] (values potential)
    Assert.Equal<float[]>(values o, values spikes)

[<Fact>]
let ``tanh surrogate spikes forward and gives the closed-form gradient`` () =
    TorchNative.EnsureLoaded()
    use scope = torch.NewDisposeScope()
    let points = [| -0.7; -0.2; 0.0; 0.3 |]
    for mode in [ SurrogateMode.Detach; SurrogateMode.Autograd ] do
        let s = TanhSurrogate(Mode = mode)
        let x = (torch.from_array points).requires_grad_(true)
        let o = s.Spike x
        Assert.Equal<float[]>([| 0.0; 0.0; 1.0; 1.0 |], values o)
        o.sum().backward()
        close 1e-12 (points |> Array.map tanhPrime) (values x.grad)
        close 1e-12 (points |> Array.map tanhPrime) (points |> Array.map (fun p -> s.Derivative p))

[<Fact>]
let ``RMP-Loss on a LIF layer matches the hand computation`` () =
    TorchNative.EnsureLoaded()
    use scope = torch.NewDisposeScope()
    // x = (0.6, 0.3): u_pre = (0.6, 0.3), o = (1, 0); clip(u) − o = (−0.4, 0.3) → L = (0.16 + 0.09)/2 = 0.125.
    let lif = new LifNeuron()
    let x = f32 [ 0.6; 0.3 ] [| 2L; 1L; 1L |]
    x.requires_grad_(true) |> ignore
    lif.forward x |> ignore
    let neurons : Collections.Generic.IReadOnlyList<struct (string * SpikingNeuron)> = ResizeArray [ struct ("lif", lif :> SpikingNeuron) ]
    let layers = SpikingLayers.Activity neurons
    let loss : torch.Tensor = RmpLoss().Compute layers
    close 1e-6 [| 0.125 |] (values loss)
    // dL/du_pre = 2(clip(u) − o)/2 = (−0.4, 0.3) with the spikes detached; u_pre[1] = 0.25·u[0] + x[1] and u[0] = 0.6·(1 − o[0])
    // carries −0.6·σ'(0.1) back to x[0]: dL/dx[0] = −0.4 + 0.3·0.25·(−0.6·σ'(0.1)), dL/dx[1] = 0.3.
    loss.backward()
    close 1e-5 [| -0.4 + 0.3 * 0.25 * (-0.6 * tanhPrime 0.1); 0.3 |] (values x.grad)

[<Fact>]
let ``a sweep spec expands and runs from F#`` () =
    let spec =
        """{ "name": "fs", "base": { "dataset": "synthetic", "trainLimit": 32, "testLimit": 16, "epochs": 1, "batchSize": 16,
             "width": 0.25, "timeSteps": 2, "threads": 1 }, "grid": { "variant": ["baseline", "rmp"] } }"""
    let plan = SpikeKit.Experiments.SweepSpec.Parse(spec).Expand()
    Assert.Equal(2, plan.Runs.Count)
    Assert.Equal<string list>([ "baseline"; "rmp" ], [ for r in plan.Runs -> r.Labels.["variant"] ])
    let dir = IO.Directory.CreateTempSubdirectory("spikekit-fs-").FullName
    try
        // Two runs at a time, each in a spikekit child process, from F#.
        let outcome = SpikeKit.Experiments.SweepRunner.RunAll(IO.Path.Combine(dir, plan.Name), plan, SpikeKit.Experiments.SweepOptions(Jobs = 2, Threads = 1))
        Assert.All(outcome.Runs, fun s -> Assert.Equal(SpikeKit.Runs.RunStatus.Completed, s.Status))
        Assert.True(outcome.AllComplete)
        // Run again: every run is complete, nothing is trained.
        let again = SpikeKit.Experiments.SweepRunner.RunAll(IO.Path.Combine(dir, plan.Name), plan)
        Assert.Empty(again.Failures)
        let log = IO.File.ReadAllLines(IO.Path.Combine(dir, plan.Name, SpikeKit.Experiments.SweepRunner.LogFile))
        Assert.Equal(2, log |> Array.filter (fun l -> l.Contains " completed ") |> Array.length)
        // Malformed specs name the JSON path.
        let e = Assert.Throws<SpikeKit.Config.ConfigException>(fun () -> SpikeKit.Experiments.SweepSpec.Parse("""{ "grid": { "seed": ["x"] } }""") |> ignore)
        Assert.Equal("$.grid.seed[0]", e.Field)
    finally
        IO.Directory.Delete(dir, true)

[<Fact>]
let ``a config field changes by name from F#, parsed like the command line`` () =
    let c = SpikeKit.Config.RunConfig()
    let d = c.With("rmp-lambda", 0.3).With("timesteps", "6").With("flip", true).With("trainLimit", "all")
    Assert.Equal(0.3, d.RmpLambda)
    Assert.Equal(6, d.TimeSteps)
    Assert.True d.Flip
    Assert.False(d.TrainLimit.HasValue)
    Assert.Equal(0.5, c.RmpLambda) // the original is unchanged
    let e = Assert.Throws<SpikeKit.Config.ConfigException>(fun () -> c.With("epochs", "three") |> ignore)
    Assert.Equal("epochs: 'three' is not an integer", e.Message)

[<Fact>]
let ``Trainer.Fit trains when called, without enumerating anything`` () =
    TorchNative.EnsureLoaded()
    let config = SpikeKit.Config.RunConfig(Dataset = "synthetic", TrainLimit = Nullable 64, TestLimit = Nullable 32, Epochs = 2, BatchSize = 32, Width = 0.25, TimeSteps = 2)
    let struct (train, test) = SpikeKit.Data.Datasets.Load(config.Dataset, null, config.TrainLimit, config.TestLimit, 0L)
    use train = train
    use test = test
    torch.manual_seed 0L |> ignore
    use model = SpikeKit.Models.ModelZoo.Create(config.Model, config.ToModelOptions(train.Channels, train.Height, train.Classes))
    let before = values (model.parameters() |> Seq.head)
    use trainer = new SpikeKit.Training.Trainer(model, config.ToLoss(), config.ToTrainingOptions())
    let seen = ResizeArray<int>()
    let options = config.ToTrainingOptions()
    let trainLoader = new SpikeKit.Data.BatchLoader(train, options.BatchSize, true, SpikeKit.Data.Augmentation.None, 0L)
    let testLoader = new SpikeKit.Data.BatchLoader(test, 32, false, SpikeKit.Data.Augmentation.None, 0L)
    let history = trainer.Fit(trainLoader, testLoader, afterEpoch = (fun m -> seen.Add m.Epoch))
    Assert.Equal(2, history.Count)
    Assert.Equal<int list>([ 1; 2 ], List.ofSeq seen)
    Assert.NotEqual<float[]>(before, values (model.parameters() |> Seq.head))

[<Fact>]
let ``MPBN and the InfLoR rectifier from F#: options, hand values and a bit-identical fold`` () =
    TorchNative.EnsureLoaded()
    use scope = torch.NewDisposeScope()
    // InfLoR rectifier, soft reset, x = 0.6 then 0.3: phi(0.6) = tanh 0.3 / (2 tanh 1.5) + 0.5 → spike, u = 0.1;
    // u_pre = 0.025 + 0.3 = 0.325 → phi = tanh(−0.525) / (2 tanh 1.5) + 0.5 → no spike.
    let lif = new LifNeuron(NeuronOptions(Reset = ResetMode.Soft, Rectifier = InflorRectifier.Paper))
    let o = lif.forward (f32 [ 0.6; 0.3 ] [| 2L; 1L; 1L |])
    Assert.Equal<float[]>([| 1.0; 0.0 |], values o)
    let struct (potential, _) = lif.Activity.Value
    close 1e-6 [| tanh 0.3 / (2.0 * tanh 1.5) + 0.5; tanh -0.525 / (2.0 * tanh 1.5) + 0.5 |] (values potential)
    // The options reach a model through the option table, and its MPBN neurons fold without changing a spike.
    let config = RunConfig().With("mpbn", true).With("rectifier", "none").With("width", 0.25).With("timesteps", 2)
    use model = SpikeKit.Models.ModelZoo.Create(config.Model, config.ToModelOptions(1, 28, 10))
    Assert.True(config.ToModelOptions(1, 28, 10).Mpbn)
    model.train() |> ignore
    model.forward(torch.randn(4L, 1L, 28L, 28L)) |> ignore
    model.eval() |> ignore
    let x = torch.randn(4L, 1L, 28L, 28L)
    let before = values (model.forward x)
    Assert.Equal(2, MpbnNeuron.FoldAll model)
    Assert.Equal<float[]>(before, values (model.forward x))
