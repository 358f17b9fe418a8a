using System.Security.Cryptography;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace SpikeKit.Data.Events;

/// <summary>How an event data set is framed and split (<see cref="EventDatasets.Load"/>).</summary>
/// <param name="TimeSteps">Frames per sample T.</param>
/// <param name="Framing">How events are cut into the T frames.</param>
/// <param name="FrameSize">Side of the (square) frames after a bilinear resize; 0 keeps the sensor's size.</param>
/// <param name="Split">CIFAR10-DVS's split rule (<see cref="EventSplits"/>); the other sets have official splits.</param>
/// <param name="TrainLimit">At most this many training samples: a seeded class-stratified subset (as for static sets).</param>
/// <param name="TestLimit">At most this many test samples, likewise.</param>
/// <param name="Seed">Seed of the limited subsets.</param>
/// <param name="Cache">Where framed sets are kept (null: frame every time).</param>
/// <param name="Log">Progress lines while framing and cache notes (null: none).</param>
public sealed record EventLoadOptions(int TimeSteps = 10, Framing? Framing = null, int FrameSize = 0, string Split = "9:1",
    int? TrainLimit = null, int? TestLimit = null, long Seed = 0, FrameCache? Cache = null, TextWriter? Log = null)
{
    /// <summary>The framing in use (by number when null).</summary>
    public Framing FramingOrDefault => Framing ?? new Framing(FrameSplit.Number);
}

/// <summary>
/// The event-camera data sets SpikeKit knows by name and their folder layouts, loaded as framed train/test
/// <see cref="EventDataset"/>s.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>cifar10-dvs</term><description><c>DIR/&lt;class&gt;/*.aedat</c> (class folders airplane … truck, sorted: labels 0–9),
/// as SpikingJelly extracts the 10 figshare zips (<c>data-scripts/cifar10dvs.sh</c>); 128×128; split 9:1 or tebn
/// (<see cref="EventSplits"/>). Reader: <see cref="Cifar10DvsReader"/>.</description></item>
/// <item><term>dvs128-gesture</term><description><c>DIR/user*_*.aedat</c>, <c>DIR/user*_*_labels.csv</c>,
/// <c>DIR/trials_to_train.txt</c>, <c>DIR/trials_to_test.txt</c> (or the same inside <c>DIR/DvsGesture/</c>); 128×128, 11 classes,
/// the official trial lists. Reader: <see cref="GestureReader"/>.</description></item>
/// <item><term>nmnist</term><description><c>DIR/Train/&lt;digit&gt;/*.bin</c> and <c>DIR/Test/&lt;digit&gt;/*.bin</c>; 34×34, the
/// official split. Reader: <see cref="NMnistReader"/>.</description></item>
/// <item><term>sim-fashion-mnist</term><description>Fashion-MNIST recorded by <see cref="EventSimulator"/> (a simulation, 34×34),
/// the static set's train/test split and limits.</description></item>
/// <item><term>sim-mnist</term><description>MNIST through <see cref="EventSimulator"/>, likewise.</description></item>
/// </list>
/// </remarks>
public static class EventDatasets
{
    const string Cifar10Dvs = "cifar10-dvs", Gesture = "dvs128-gesture", NMnist = "nmnist", SimFashion = "sim-fashion-mnist", SimMnist = "sim-mnist";

    /// <summary>Event data set names.</summary>
    public static IReadOnlyList<string> Names { get; } = [Cifar10Dvs, Gesture, NMnist, SimFashion, SimMnist];

    /// <summary>True for a name in <see cref="Names"/> (case-insensitive).</summary>
    public static bool IsEvent(string name) => Names.Contains(name.Trim().ToLowerInvariant());

    /// <summary>The sensor (width, height) of a data set (the simulated ones: 28×28 images plus the simulator's margins).</summary>
    public static (int Width, int Height) Sensor(string name) => Canonical(name) switch
    {
        Cifar10Dvs => (Cifar10DvsReader.SensorSize, Cifar10DvsReader.SensorSize),
        Gesture => (GestureReader.SensorSize, GestureReader.SensorSize),
        _ => (NMnistReader.SensorSize, NMnistReader.SensorSize),
    };

    /// <summary>Where a data set is looked for when no folder is given: <c>&lt;user data&gt;/&lt;name&gt;</c>
    /// (<see cref="Datasets.UserDataRoot"/>, where <c>data-scripts/</c> put it); for the simulated sets the static set's folder
    /// (<see cref="Datasets.DefaultDirectory"/>).</summary>
    public static string DefaultDirectory(string name) => Canonical(name) switch
    {
        SimFashion => Datasets.DefaultDirectory("fashion-mnist"),
        SimMnist => Datasets.DefaultDirectory("mnist"),
        var n => Path.Combine(Datasets.UserDataRoot(), n),
    };

    /// <summary>Classes of a data set.</summary>
    public static int Classes(string name) => Canonical(name) == Gesture ? GestureReader.Classes : 10;

    /// <summary>
    /// Loads, frames (or reads from the cache) and splits an event data set.
    /// </summary>
    /// <param name="name">One of <see cref="Names"/>.</param>
    /// <param name="directory">The data folder; null means <see cref="DefaultDirectory"/>.</param>
    /// <param name="options">T, framing, size, split, limits, cache.</param>
    /// <exception cref="DirectoryNotFoundException">The folder or a class folder is missing (one line naming it and the script to run).</exception>
    /// <exception cref="FileNotFoundException">A listed file is missing.</exception>
    /// <exception cref="DataFormatException">A malformed file: one line naming it and the byte offset.</exception>
    public static (EventDataset Train, EventDataset Test) Load(string name, string? directory, EventLoadOptions options)
    {
        name = Canonical(name);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.TimeSteps, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(options.FrameSize);
        if (name is SimFashion or SimMnist) return LoadSimulated(name, directory, options);
        directory ??= DefaultDirectory(name);
        var (train, test, splitName) = Sources(name, directory, options.Split);
        return (Build(name, "train", train, splitName, options), Build(name, "test", test, splitName, options));
    }

    /// <summary>One sample to read: its file, label and (Gesture) row of the label file; <see cref="Row"/> −1 = the whole file.</summary>
    sealed record SampleRef(string File, int Label, int Row, long Start = 0, long End = 0);

    static (List<SampleRef> Train, List<SampleRef> Test, string Split) Sources(string name, string dir, string split)
    {
        if (!Directory.Exists(dir)) throw new DirectoryNotFoundException($"{dir}: no {name} folder (--data-dir; run data-scripts/{Script(name)})");
        switch (name)
        {
            case Cifar10Dvs:
            {
                var classes = Directory.GetDirectories(dir).OrderBy(d => Path.GetFileName(d), StringComparer.Ordinal).ToList();
                if (classes.Count != 10) throw new DirectoryNotFoundException($"{dir}: {classes.Count} class folders, expected 10 (airplane ... truck; run data-scripts/cifar10dvs.sh)");
                var train = new List<SampleRef>();
                var test = new List<SampleRef>();
                for (int c = 0; c < classes.Count; c++)
                {
                    var files = Directory.GetFiles(classes[c], "*.aedat");
                    if (files.Length == 0) throw new DataFormatException(classes[c], "no .aedat files");
                    var (tr, te) = EventSplits.Split(files, split);
                    train.AddRange(tr.Select(f => new SampleRef(f, c, -1)));
                    test.AddRange(te.Select(f => new SampleRef(f, c, -1)));
                }
                return (train, test, split);
            }
            case NMnist:
            {
                List<SampleRef> Split(string part)
                {
                    string folder = Path.Combine(dir, part);
                    if (!Directory.Exists(folder)) throw new DirectoryNotFoundException($"{folder}: no N-MNIST {part} folder (run data-scripts/nmnist.sh)");
                    var list = new List<SampleRef>();
                    for (int d = 0; d < 10; d++)
                    {
                        string digit = Path.Combine(folder, d.ToString(System.Globalization.CultureInfo.InvariantCulture));
                        if (!Directory.Exists(digit)) throw new DirectoryNotFoundException($"{digit}: no class folder (run data-scripts/nmnist.sh)");
                        list.AddRange(Directory.GetFiles(digit, "*.bin").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).Select(f => new SampleRef(f, d, -1)));
                    }
                    return list;
                }
                return (Split("Train"), Split("Test"), "official");
            }
            default: // Gesture
            {
                string root = File.Exists(Path.Combine(dir, "trials_to_train.txt")) || !Directory.Exists(Path.Combine(dir, "DvsGesture")) ? dir : Path.Combine(dir, "DvsGesture");
                List<SampleRef> Split(string list)
                {
                    var path = DataFiles.Resolve(Path.Combine(root, list), "run data-scripts/dvs128-gesture.sh");
                    var samples = new List<SampleRef>();
                    foreach (var trial in GestureReader.ReadTrials(path))
                    {
                        var aedat = DataFiles.Resolve(Path.Combine(root, trial), "run data-scripts/dvs128-gesture.sh");
                        var labels = DataFiles.Resolve(Path.Combine(root, Path.GetFileNameWithoutExtension(trial) + "_labels.csv"), "run data-scripts/dvs128-gesture.sh");
                        var rows = GestureReader.ReadLabels(labels);
                        samples.AddRange(rows.Select((r, i) => new SampleRef(aedat, r.Label, i, r.Start, r.End)));
                    }
                    return samples;
                }
                return (Split("trials_to_train.txt"), Split("trials_to_test.txt"), "official");
            }
        }
    }

    static string Script(string name) => name switch { Cifar10Dvs => "cifar10dvs.sh", Gesture => "dvs128-gesture.sh", _ => "nmnist.sh" };

    static EventDataset Build(string name, string part, List<SampleRef> samples, string split, EventLoadOptions o)
    {
        int classes = Classes(name);
        int? limit = part == "train" ? o.TrainLimit : o.TestLimit;
        if (limit is { } l && l < samples.Count)
        {
            var keep = Stratified.Select(samples.Select(s => (long)s.Label).ToArray(), classes, l, o.Seed);
            samples = keep.Select(i => samples[(int)i]).ToList();
        }
        var (w, h) = Sensor(name);
        var files = samples.Select(s => s.File).Distinct().ToList();
        string fingerprint = Fingerprint(files);
        string key = $"{name}|{part}|{split}|T={o.TimeSteps}|{o.FramingOrDefault}|size={o.FrameSize}|limit={limit}|seed={(limit is null ? 0 : o.Seed)}";
        EventDataset Frame()
        {
            EventRecording? last = null;
            string? lastFile = null;
            return FrameAll($"{name}/{part}", samples.Count, classes, w, h, split, o, i =>
            {
                var s = samples[i];
                if (s.Row < 0) return (name == Cifar10Dvs ? Cifar10DvsReader.Read(s.File) : NMnistReader.Read(s.File), s.Label);
                // Gesture: the samples of one recording are consecutive; read each recording once.
                if (lastFile != s.File) { last = GestureReader.Read(s.File); lastFile = s.File; }
                var cut = GestureReader.Cut(last!, [new GestureReader.LabelRow(s.Label, s.Start, s.End)])[0];
                return cut;
            }, parallel: name != Gesture);
        }
        return o.Cache is null ? Frame() : o.Cache.GetOrBuild(name, $"{part}-T{o.TimeSteps}-{o.FramingOrDefault.ToString().Replace(':', '_')}-{(o.FrameSize == 0 ? w : o.FrameSize)}", key, fingerprint, Frame, o.Log);
    }

    static (EventDataset Train, EventDataset Test) LoadSimulated(string name, string? directory, EventLoadOptions o)
    {
        string stat = name == SimFashion ? "fashion-mnist" : "mnist";
        directory ??= Datasets.DefaultDirectory(stat);
        var simulator = new EventSimulator();
        var (w, h) = Sensor(name);
        string fingerprint = Directory.Exists(directory) ? Fingerprint(Directory.GetFiles(directory)) : "";
        var (train, test) = Datasets.Load(stat, directory, o.TrainLimit, o.TestLimit, o.Seed);
        using (train)
        using (test)
        {
            EventDataset Simulate(ImageDataset images, string part, int? limit)
            {
                string key = $"{name}|{part}|simulator={simulator}|v{EventSimulator.Version}|T={o.TimeSteps}|{o.FramingOrDefault}|size={o.FrameSize}|limit={limit}|seed={(limit is null ? 0 : o.Seed)}";
                var pixels = images.Images.to_type(ScalarType.Float32).div(255).mean([1]).contiguous();
                var values = pixels.data<float>().ToArray();
                var labels = images.Labels.data<long>().ToArray();
                int ih = images.Height, iw = images.Width;
                pixels.Dispose();
                EventDataset Frame() => FrameAll($"{name}/{part}", images.Count, images.Classes, w, h, "official", o,
                    i => (simulator.Record(values.AsSpan(i * ih * iw, ih * iw), ih, iw), (int)labels[i]), parallel: true);
                return o.Cache is null ? Frame() : o.Cache.GetOrBuild(name, $"{part}-T{o.TimeSteps}-{o.FramingOrDefault.ToString().Replace(':', '_')}-{(o.FrameSize == 0 ? w : o.FrameSize)}", key, fingerprint, Frame, o.Log);
            }
            return (Simulate(train, "train", o.TrainLimit), Simulate(test, "test", o.TestLimit));
        }
    }

    /// <summary>Frames every sample (in parallel when allowed), resizes, and prints progress at every tenth.</summary>
    static EventDataset FrameAll(string display, int n, int classes, int w, int h, string split, EventLoadOptions o,
        Func<int, (EventRecording Events, int Label)> read, bool parallel)
    {
        int t = o.TimeSteps, size = o.FrameSize == 0 ? -1 : o.FrameSize;
        int outH = size < 0 ? h : size, outW = size < 0 ? w : size;
        var frames = new float[(long)n * t * 2 * outH * outW];
        var labels = new long[n];
        var counts = new long[n];
        int done = 0, step = Math.Max(1, n / 10);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        o.Log?.WriteLine($"framing {display}: {n} samples, T = {t}, {o.FramingOrDefault}, {outW}x{outH}");
        void One(int i)
        {
            var (rec, label) = read(i);
            if (rec.Width != w || rec.Height != h) throw new ArgumentException($"{display}: sample {i} has a {rec.Width}x{rec.Height} sensor, expected {w}x{h}");
            var f = EventFraming.Frame(rec, t, o.FramingOrDefault);
            if (size > 0 && (size != w || size != h))
            {
                using var scope = NewDisposeScope();
                using var resized = EventFraming.Resize(torch.tensor(f, new long[] { t, 2, h, w }), size).contiguous();
                f = resized.data<float>().ToArray();
            }
            f.CopyTo(frames.AsSpan().Slice(checked((int)((long)i * f.Length)), f.Length));
            labels[i] = label;
            counts[i] = rec.Count;
            int d = Interlocked.Increment(ref done);
            if (d % step == 0 || d == n) o.Log?.WriteLine($"framing {display}: {d}/{n} ({clock.Elapsed.TotalSeconds:F1} s)");
        }
        if (parallel)
            try { Parallel.For(0, n, One); }
            catch (AggregateException e) when (e.InnerExceptions.Count > 0) { System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw(); }
        else
            for (int i = 0; i < n; i++) One(i);
        using var s = NewDisposeScope();
        return new EventDataset(display, torch.tensor(frames, new long[] { n, t, 2, outH, outW }), torch.tensor(labels), classes, w, h, counts, split);
    }

    /// <summary>SHA-256 over each file's name, length and last write time (sorted by path): what the cache checks its entry against.</summary>
    static string Fingerprint(IEnumerable<string> files)
    {
        var text = new StringBuilder();
        foreach (var f in files.OrderBy(f => f, StringComparer.Ordinal))
        {
            var info = new FileInfo(f);
            text.Append(f).Append('\t').Append(info.Exists ? info.Length : -1).Append('\t').Append(info.Exists ? info.LastWriteTimeUtc.Ticks : 0).Append('\n');
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    static string Canonical(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string key = name.Trim().ToLowerInvariant();
        return Names.Contains(key) ? key : throw new ArgumentException($"dataset: unknown event data set '{name}' (known: {string.Join(", ", Names)})");
    }
}
