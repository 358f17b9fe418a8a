using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using SpikeKit.Config;

namespace SpikeKit.Experiments;

/// <summary>
/// A sweep specification: a JSON file with a base <see cref="RunConfig"/> and grid axes, expanded by <see cref="Expand"/> into
/// a <see cref="SweepPlan"/> (the cross product of the axes, plus <c>include</c> sub-grids, minus <c>exclude</c> matches).
/// <code>
/// {
///   "name": "cpu-ablation",                       // folder under the results root (default: the file name)
///   "description": "free text",
///   "base": { "dataset": "fashion-mnist", "epochs": 3, "trainLimit": 10000 },   // any RunConfig field
///   "grid": {
///     "model": [ { "label": "CNN", "model": "cnn" },                             // object: sets several fields, has a label
///                { "label": "ResNet-20 x0.25", "model": "resnet20", "width": 0.25 } ],
///     "timeSteps": [2, 4],                                                        // scalar: sets the field of the axis' name
///     "variant": ["baseline", "rmp", "tet", "tet+rmp"],
///     "seed": [0, 1, 2]
///   },
///   "include": [ { "model": ["CNN"], "timeSteps": [8] } ],   // extra sub-grids (missing axes take the grid's values)
///   "exclude": [ { "model": "ResNet-20 x0.25", "timeSteps": 8 } ],   // drop combinations whose labels all match
///   "table": { "rows": ["model", "timeSteps"], "columns": ["variant"], "baseline": "baseline" },
///   "reference": [ { "where": { "model": "ResNet-19", "timeSteps": "4", "variant": "rmp" }, "accuracy": 78.28, "source": "…" } ]
/// }
/// </code>
/// Field names are RunConfig's in camelCase; the command-line spellings (<c>train-limit</c>, <c>timesteps</c>) are accepted too.
/// Every error is a <see cref="ConfigException"/> whose field is the JSON path of the bad value (e.g. <c>$.grid.timeSteps[1]</c>).
/// </summary>
public sealed class SweepSpec
{
    static readonly string[] TopKeys = ["name", "description", "base", "grid", "include", "exclude", "table", "reference"];

    readonly JsonObject _base;
    readonly List<Axis> _axes;
    readonly List<(string Path, List<Axis> Axes)> _includes;
    readonly List<(string Path, Dictionary<string, HashSet<string>> Match)> _excludes;
    readonly JsonObject? _table;
    readonly JsonArray? _reference;
    /// <summary>Smoke-test cap on samples per split (one epoch); null for the spec as written.</summary>
    readonly int? _limit;

    sealed record AxisValue(string Label, JsonObject Fields, string Path);
    sealed record Axis(string Name, List<AxisValue> Values);

    /// <summary>Sweep name.</summary>
    public string Name { get; }
    /// <summary>Free text from the spec.</summary>
    public string? Description { get; }
    /// <summary>Where the spec came from (file path or preset name), used in error messages.</summary>
    public string Source { get; }

    SweepSpec(string source, string name, string? description, JsonObject baseConfig, List<Axis> axes,
        List<(string, List<Axis>)> includes, List<(string, Dictionary<string, HashSet<string>>)> excludes, JsonObject? table, JsonArray? reference,
        int? limit = null)
    {
        Source = source; Name = name; Description = description; _base = baseConfig; _axes = axes;
        _includes = includes; _excludes = excludes; _table = table; _reference = reference; _limit = limit;
    }

    /// <summary>Names of the presets shipped with SpikeKit (<c>cpu-ablation</c>, <c>paper-cifar10</c>, …).</summary>
    public static IReadOnlyList<string> PresetNames { get; } = typeof(SweepSpec).Assembly.GetManifestResourceNames()
        .Where(n => n.StartsWith("SpikeKit.Presets.", StringComparison.Ordinal) && n.EndsWith(".json", StringComparison.Ordinal))
        .Select(n => n["SpikeKit.Presets.".Length..^".json".Length]).OrderBy(n => n, StringComparer.Ordinal).ToList();

    /// <summary>The JSON text of a shipped preset.</summary>
    /// <exception cref="ConfigException">For an unknown name.</exception>
    public static string PresetText(string name)
    {
        using var s = typeof(SweepSpec).Assembly.GetManifestResourceStream($"SpikeKit.Presets.{name}.json")
            ?? throw new ConfigException("spec", $"'{name}' is neither a file nor a preset (presets: {string.Join(", ", PresetNames)})");
        return new StreamReader(s).ReadToEnd();
    }

    /// <summary>Loads a spec from a file, or a shipped preset when <paramref name="fileOrPreset"/> is a preset name and no such file exists.</summary>
    public static SweepSpec Load(string fileOrPreset)
    {
        try
        {
            if (File.Exists(fileOrPreset)) return Parse(File.ReadAllText(fileOrPreset), fileOrPreset, Path.GetFileNameWithoutExtension(fileOrPreset));
            if (PresetNames.Contains(fileOrPreset)) return Parse(PresetText(fileOrPreset), fileOrPreset, fileOrPreset);
        }
        catch (ConfigException e) when (e.Field.StartsWith('$'))
        {
            throw new ConfigException($"{fileOrPreset}: {e.Field}", e.Message[(e.Field.Length + 2)..]);
        }
        if (fileOrPreset.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || fileOrPreset.Contains('/'))
            throw new ConfigException(fileOrPreset, "no such file");
        throw new ConfigException("spec", $"'{fileOrPreset}' is neither a file nor a preset (presets: {string.Join(", ", PresetNames)})");
    }

    /// <summary>Parses and validates a spec. <paramref name="defaultName"/> is used when the spec has no <c>name</c>.</summary>
    /// <exception cref="ConfigException">Naming the JSON path of the first bad value.</exception>
    public static SweepSpec Parse(string json, string source = "spec", string defaultName = "sweep")
    {
        JsonNode? root;
        try { root = JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true }); }
        catch (JsonException e) { throw new ConfigException("$", $"not valid JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})"); }
        if (root is not JsonObject top) throw new ConfigException("$", "the spec must be a JSON object");
        foreach (var (key, _) in top)
            if (!TopKeys.Contains(key)) throw new ConfigException($"$.{key}", $"unknown key (known: {string.Join(", ", TopKeys)})");

        var name = top["name"] is { } n ? String(n, "$.name") : defaultName;
        if (name.Length == 0 || name is "." or ".." || name.IndexOfAny(['/', '\\', '\0', ' ']) >= 0)
            throw new ConfigException("$.name", $"'{name}' cannot be a folder name");
        var description = top["description"] is { } d ? String(d, "$.description") : null;

        var baseConfig = new JsonObject();
        if (top["base"] is { } b)
        {
            if (b is not JsonObject bo) throw new ConfigException("$.base", $"expected an object of RunConfig fields, got {Kind(b)}");
            foreach (var (key, value) in bo) SetField(baseConfig, key, value, $"$.base.{key}");
        }
        _ = ToConfig(baseConfig, "$.base");

        if (top["grid"] is not { } g) throw new ConfigException("$.grid", "missing: give at least one axis, e.g. \"grid\": { \"variant\": [\"baseline\", \"rmp\"] }");
        var axes = ParseGrid(g, "$.grid", baseConfig, null);
        if (axes.Count == 0) throw new ConfigException("$.grid", "empty grid: give at least one axis with at least one value");

        var includes = new List<(string, List<Axis>)>();
        if (top["include"] is { } inc)
        {
            var arr = inc as JsonArray ?? throw new ConfigException("$.include", $"expected an array of sub-grids, got {Kind(inc)}");
            for (int i = 0; i < arr.Count; i++)
            {
                var path = $"$.include[{i}]";
                var sub = ParseGrid(arr[i], path, baseConfig, axes);
                if (sub.Count == 0) throw new ConfigException(path, "empty sub-grid");
                includes.Add((path, sub));
            }
        }
        var excludes = new List<(string, Dictionary<string, HashSet<string>>)>();
        if (top["exclude"] is { } exc)
        {
            var arr = exc as JsonArray ?? throw new ConfigException("$.exclude", $"expected an array of objects, got {Kind(exc)}");
            for (int i = 0; i < arr.Count; i++)
            {
                var path = $"$.exclude[{i}]";
                if (arr[i] is not JsonObject o || o.Count == 0) throw new ConfigException(path, "expected a non-empty object of axis: label (or [labels])");
                var match = new Dictionary<string, HashSet<string>>();
                foreach (var (key, value) in o)
                {
                    var axis = FindAxis(axes, key) ?? throw new ConfigException($"{path}.{key}", $"unknown axis (axes: {string.Join(", ", axes.Select(a => a.Name))})");
                    var labels = value is JsonArray la ? la.Select((x, j) => LabelOf(x, $"{path}.{key}[{j}]")) : [LabelOf(value, $"{path}.{key}")];
                    match[axis.Name] = labels.ToHashSet();
                }
                excludes.Add((path, match));
            }
        }
        var table = top["table"] is { } t ? t as JsonObject ?? throw new ConfigException("$.table", $"expected an object, got {Kind(t)}") : null;
        var reference = top["reference"] is { } r ? r as JsonArray ?? throw new ConfigException("$.reference", $"expected an array, got {Kind(r)}") : null;
        var spec = new SweepSpec(source, name, description, baseConfig, axes, includes, excludes, table, reference);
        _ = spec.Expand(); // validates every run, the table and the reference entries
        return spec;
    }

    /// <summary>
    /// The ablation of <c>spikekit ablate</c> as a spec built in code: <paramref name="baseConfig"/> once per loss variant and
    /// seed (axes <c>variant</c> and <c>seed</c>), tabled with the variants as columns and Δ against <c>baseline</c> when it is
    /// among them. Runs go to <c>ROOT/&lt;name&gt;/&lt;run-id&gt;/</c> like every sweep.
    /// </summary>
    /// <exception cref="ConfigException">For no variants or seeds, an unknown variant or an invalid config.</exception>
    public static SweepSpec Ablation(RunConfig baseConfig, IEnumerable<string> variants, IEnumerable<long> seeds, string name = "ablation")
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        var vs = variants.ToList();
        if (vs.Count == 0) throw new ConfigException("variants", "at least one variant is needed");
        foreach (var v in vs)
            if (!RunConfig.Variants.Contains(v)) throw new ConfigException("variants", $"unknown variant '{v}' (known: {string.Join(", ", RunConfig.Variants)})");
        return FromGrid(name, $"Ablation of {string.Join(", ", vs)}", baseConfig,
            [("variant", vs.Select(v => (JsonNode?)JsonValue.Create(v)).ToList()), ("seed", Seeds(seeds))]);
    }

    /// <summary>
    /// The sweep of <c>spikekit sweep --vary NAME=V1,V2,…</c> as a spec built in code: <paramref name="baseConfig"/> once per
    /// value of one setting (any row of <see cref="RunOptions"/>; values as on the command line) and seed, tabled with the
    /// values as rows.
    /// </summary>
    /// <exception cref="ConfigException">For an unknown setting, the seed, no values, or a value that does not parse.</exception>
    public static SweepSpec Vary(RunConfig baseConfig, string setting, IEnumerable<string> values, IEnumerable<long> seeds, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(baseConfig);
        var option = RunOptions.Find(setting) ?? throw new ConfigException("vary", $"unknown setting '{setting}' (settings: {string.Join(", ", RunOptions.All.Select(o => o.Name))})");
        if (option.Name == "seed") throw new ConfigException("vary", "'seed' cannot be varied (use --seeds for seeds)");
        var parsed = values.Select(v => option.Parse(v)).ToList();
        if (parsed.Count == 0) throw new ConfigException("vary", "at least one value is needed");
        return FromGrid(name ?? $"vary-{option.Name}", $"{option.Name} varied", baseConfig,
            [(option.JsonName, parsed.Select(v => JsonSerializer.SerializeToNode(v, JsonSettings.Options)).ToList()), ("seed", Seeds(seeds))]);
    }

    /// <summary>
    /// A sweep over named configurations ("arms", e.g. RMP-Loss at several λ, with and without clipping) and seeds, as a spec
    /// built in code: one axis <c>arm</c> whose values set the fields in which each arm's config differs from the first's,
    /// labelled with the arm's label; tabled with the arms as rows.
    /// </summary>
    /// <exception cref="ConfigException">For no arms or seeds, or a label that appears twice.</exception>
    public static SweepSpec FromArms(string name, IEnumerable<SweepArm> arms, IEnumerable<long> seeds)
    {
        var list = arms.ToList();
        if (list.Count == 0) throw new ConfigException("arms", "at least one arm is needed");
        var baseNode = JsonSerializer.SerializeToNode(list[0].Config, JsonSettings.Options)!.AsObject();
        var values = list.Select(a =>
        {
            var node = JsonSerializer.SerializeToNode(a.Config, JsonSettings.Options)!.AsObject();
            var value = new JsonObject { ["label"] = a.Label };
            foreach (var (k, v) in node)
                if (k != "seed" && !JsonNode.DeepEquals(v, baseNode[k])) value[k] = v?.DeepClone();
            if (value.Count == 1) value["variant"] = node["variant"]?.DeepClone();
            return (JsonNode?)value;
        }).ToList();
        return FromGrid(name, $"{list.Count} arms", list[0].Config, [("arm", values), ("seed", Seeds(seeds))]);
    }

    static List<JsonNode?> Seeds(IEnumerable<long> seeds)
    {
        var list = seeds.Select(s => (JsonNode?)JsonValue.Create(s)).ToList();
        return list.Count > 0 ? list : throw new ConfigException("seeds", "at least one seed is needed");
    }

    static SweepSpec FromGrid(string name, string description, RunConfig baseConfig, IEnumerable<(string Axis, List<JsonNode?> Values)> axes)
    {
        var grid = new JsonObject();
        foreach (var (axis, values) in axes) grid[axis] = new JsonArray([.. values]);
        var spec = new JsonObject
        {
            ["name"] = name,
            ["description"] = description,
            ["base"] = JsonSerializer.SerializeToNode(baseConfig, JsonSettings.Options),
            ["grid"] = grid,
        };
        return Parse(spec.ToJsonString(), name, name);
    }

    /// <summary>
    /// Shrinks every run for a smoke test: at most <paramref name="limit"/> training and test samples and one epoch; the sweep
    /// name gets the suffix <c>-limit&lt;N&gt;</c> so smoke results never mix with real ones.
    /// </summary>
    public SweepSpec WithLimit(int limit)
    {
        if (limit < 1) throw new ConfigException("limit", $"must be >= 1, got {limit}");
        return new SweepSpec(Source, $"{Name}-limit{limit}", Description, _base, _axes, _includes, _excludes, _table, _reference, limit);
    }

    /// <summary>Expands the spec into its runs (validated), with stable ids and the table layout.</summary>
    public SweepPlan Expand()
    {
        var runs = new List<PlannedRun>();
        var seen = new HashSet<string>();
        // An include sub-grid takes the main grid's values on the axes it does not name.
        var grids = new[] { ("$.grid", _axes) }.Concat(_includes.Select(inc => (inc.Path,
            _axes.Select(a => inc.Axes.FirstOrDefault(x => x.Name == a.Name) ?? a)
                 .Concat(inc.Axes.Where(x => _axes.All(a => a.Name != x.Name))).ToList())));
        foreach (var (path, grid) in grids)
        {
            foreach (var combo in Cross(grid))
            {
                var labels = combo.ToDictionary(c => c.Axis, c => c.Value.Label);
                if (_excludes.Any(e => e.Match.All(m => labels.TryGetValue(m.Key, out var l) && m.Value.Contains(l)))) continue;
                var node = (JsonObject)_base.DeepClone();
                foreach (var (_, value) in combo)
                    foreach (var (k, v) in value.Fields) node[k] = v?.DeepClone();
                var config = ToConfig(node, combo.Count == 0 ? path : string.Join(", ", combo.Select(c => c.Value.Path)));
                if (_limit is { } lim)
                    config = config with { TrainLimit = Math.Min(config.TrainLimit ?? int.MaxValue, lim), TestLimit = Math.Min(config.TestLimit ?? int.MaxValue, lim), Epochs = 1 };
                var ordered = _axes.Select(a => a.Name).Where(labels.ContainsKey).Select(a => (a, labels[a]))
                    .Concat(labels.Where(kv => FindAxis(_axes, kv.Key) is null).Select(kv => (kv.Key, kv.Value))).ToList();
                var id = RunId(ordered, config);
                if (!seen.Add(id)) continue;
                runs.Add(new PlannedRun(runs.Count, id, ordered.ToDictionary(x => x.Item1, x => x.Item2), config));
            }
        }
        if (runs.Count == 0) throw new ConfigException("$.exclude", "excludes every run of the grid");
        return new SweepPlan(Name, Description, ParseTable(runs), ParseReference(), runs);
    }

    /// <summary>
    /// The stable id of a run: its axis labels (seed last, shortened to <c>s&lt;seed&gt;</c>) made folder-safe, then the first
    /// 8 hex digits of the SHA-256 of its full config as canonical JSON (threads and device left out: they change how fast a
    /// run goes, not what it computes). The same config always gets the same id, in any sweep.
    /// </summary>
    public static string RunId(IEnumerable<(string Axis, string Label)> labels, RunConfig config)
    {
        var hash = config.ContentHash()[..8];
        var parts = labels.Where(l => l.Axis != "seed").Select(l => l.Axis == "timeSteps" ? "T" + l.Label : l.Label)
            .Append("s" + config.Seed.ToString(CultureInfo.InvariantCulture));
        var readable = new StringBuilder();
        foreach (var ch in string.Join("-", parts))
            readable.Append(char.IsAsciiLetterOrDigit(ch) || ch is '.' or '+' or '=' or '-' ? ch : '_');
        var text = readable.ToString().Trim('_', '.');
        if (text.Length > 80) text = text[..80];
        return $"{text}-{hash}";
    }

    static IEnumerable<List<(string Axis, AxisValue Value)>> Cross(List<Axis> axes)
    {
        IEnumerable<List<(string, AxisValue)>> acc = [[]];
        foreach (var axis in axes)
            acc = acc.SelectMany(prefix => axis.Values.Select(v => new List<(string, AxisValue)>(prefix) { (axis.Name, v) }));
        return acc;
    }

    static List<Axis> ParseGrid(JsonNode? g, string path, JsonObject baseConfig, List<Axis>? main)
    {
        if (g is not JsonObject go) throw new ConfigException(path, $"expected an object of axis: [values], got {Kind(g)}");
        var axes = new List<Axis>();
        foreach (var (key, value) in go)
        {
            var p = $"{path}.{key}";
            var known = main is null ? null : FindAxis(main, key);
            if (main is not null && known is null && FindField(key) is null)
                throw new ConfigException(p, $"unknown axis (axes: {string.Join(", ", main.Select(a => a.Name))})");
            var items = value is JsonArray arr ? arr.Select((x, i) => (x, $"{p}[{i}]")).ToList() : main is not null ? [(value, p)] : null;
            if (items is null) throw new ConfigException(p, $"expected an array of values, got {Kind(value)}");
            if (items.Count == 0) throw new ConfigException(p, "no values");
            var values = new List<AxisValue>();
            foreach (var (item, ip) in items)
            {
                // In an include, a label of an existing object value selects that value.
                if (known is not null && item is JsonValue jv && jv.TryGetValue<string>(out var s) && known.Values.FirstOrDefault(v => v.Label == s) is { } existing)
                {
                    values.Add(existing);
                    continue;
                }
                values.Add(ParseValue(key, item, ip, baseConfig));
            }
            var name = known?.Name ?? (FindField(key) is { } f && values.All(v => v.Fields.Count == 1 && v.Fields.ContainsKey(f.Json)) ? f.Json : key);
            var dup = values.GroupBy(v => v.Label).FirstOrDefault(x => x.Count() > 1);
            if (dup is not null) throw new ConfigException(dup.Skip(1).First().Path, $"label '{dup.Key}' appears twice on axis {name}");
            if (axes.Any(a => a.Name == name)) throw new ConfigException(p, $"axis {name} given twice");
            axes.Add(new Axis(name, values));
        }
        return axes;
    }

    static AxisValue ParseValue(string axis, JsonNode? item, string path, JsonObject baseConfig)
    {
        var fields = new JsonObject();
        string label;
        if (item is JsonObject o)
        {
            string? given = null;
            foreach (var (k, v) in o)
            {
                if (k == "label") { given = String(v, $"{path}.label"); continue; }
                SetField(fields, k, v, $"{path}.{k}");
            }
            if (fields.Count == 0) throw new ConfigException(path, "an object value must set at least one RunConfig field");
            label = given ?? string.Join(" ", fields.Select(kv => kv.Value?.ToString() ?? "null"));
        }
        else
        {
            if (FindField(axis) is null)
                throw new ConfigException(path, $"axis '{axis}' is not a RunConfig field, so its values must be objects with a label and fields (fields: {string.Join(", ", Fields.Select(f => f.Json))})");
            SetField(fields, axis, item, path);
            label = LabelOf(item, path);
        }
        // Each value must make a valid config on top of the base, so the error points at the value.
        var node = (JsonObject)baseConfig.DeepClone();
        foreach (var (k, v) in fields) node[k] = v?.DeepClone();
        _ = ToConfig(node, path);
        return new AxisValue(label, fields, path);
    }

    /// <summary>The label of a scalar axis value: a string as it is, a number or boolean as JSON writes it.</summary>
    internal static string LabelOf(JsonNode? node, string path) => node switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => s,
        JsonValue v when v.GetValueKind() is JsonValueKind.Number => v.ToJsonString(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
        _ => throw new ConfigException(path, $"expected a string, number or boolean, got {Kind(node)}"),
    };

    SweepTable ParseTable(List<PlannedRun> runs)
    {
        var axisNames = _axes.Select(a => a.Name).ToList();
        var rows = axisNames.Where(a => a is not ("variant" or "seed")).ToList();
        var cols = axisNames.Contains("variant") ? ["variant"] : new List<string>();
        string? baseline = runs.Any(r => r.Labels.GetValueOrDefault("variant") == "baseline") ? "baseline" : null;
        if (_table is not null)
        {
            foreach (var (key, _) in _table)
                if (key is not ("rows" or "columns" or "baseline")) throw new ConfigException($"$.table.{key}", "unknown key (known: rows, columns, baseline)");
            List<string> Axes(string key, List<string> fallback)
            {
                if (_table[key] is not { } node) return fallback;
                var arr = node as JsonArray ?? throw new ConfigException($"$.table.{key}", $"expected an array of axis names, got {Kind(node)}");
                return arr.Select((x, i) =>
                {
                    var p = $"$.table.{key}[{i}]";
                    var s = String(x, p);
                    return FindAxis(_axes, s)?.Name ?? throw new ConfigException(p, $"unknown axis '{s}' (axes: {string.Join(", ", axisNames)})");
                }).ToList();
            }
            rows = Axes("rows", rows);
            cols = Axes("columns", cols);
            if (_table["baseline"] is { } b)
            {
                baseline = b is null ? null : String(b, "$.table.baseline");
                // The baseline names a column: by its labels joined with " · " or, for one column axis, by its label.
                if (baseline is not null && !runs.Any(r => cols.Count > 0 &&
                        (string.Join(" · ", cols.Select(c => r.Labels.GetValueOrDefault(c, ""))) == baseline || cols.Any(c => r.Labels.GetValueOrDefault(c) == baseline))))
                    throw new ConfigException("$.table.baseline", $"no column is labelled '{baseline}'");
            }
            var both = rows.Intersect(cols).FirstOrDefault();
            if (both is not null) throw new ConfigException("$.table", $"axis {both} is both a row and a column");
        }
        return new SweepTable(rows, cols, cols.Count == 0 ? null : baseline);
    }

    List<ReferenceResult> ParseReference()
    {
        var list = new List<ReferenceResult>();
        if (_reference is null) return list;
        for (int i = 0; i < _reference.Count; i++)
        {
            var p = $"$.reference[{i}]";
            if (_reference[i] is not JsonObject o) throw new ConfigException(p, $"expected an object with where, accuracy and source, got {Kind(_reference[i])}");
            foreach (var (key, _) in o)
                if (key is not ("where" or "accuracy" or "source")) throw new ConfigException($"{p}.{key}", "unknown key (known: where, accuracy, source)");
            if (o["where"] is not JsonObject w || w.Count == 0) throw new ConfigException($"{p}.where", "expected a non-empty object of axis: label");
            var where = new Dictionary<string, string>();
            foreach (var (k, v) in w)
            {
                var axis = FindAxis(_axes, k) ?? throw new ConfigException($"{p}.where.{k}", $"unknown axis (axes: {string.Join(", ", _axes.Select(a => a.Name))})");
                where[axis.Name] = LabelOf(v, $"{p}.where.{k}");
            }
            var acc = o["accuracy"] is JsonValue av && av.GetValueKind() == JsonValueKind.Number ? av.GetValue<double>()
                : throw new ConfigException($"{p}.accuracy", $"expected a number (top-1 %), got {Kind(o["accuracy"])}");
            var source = o["source"] is { } s ? String(s, $"{p}.source") : throw new ConfigException($"{p}.source", "missing: say where the number comes from");
            list.Add(new ReferenceResult(where, acc, source));
        }
        return list;
    }

    // ---- RunConfig fields: the one option table ----

    sealed record Field(string Json, RunOption Option);

    static IEnumerable<Field> Fields => RunOptions.All.Select(o => new Field(o.JsonName, o));

    static string Normalize(string name) => name.Replace("-", "").Replace("_", "").ToLowerInvariant();

    static Field? FindField(string name) => RunOptions.Find(name) is { } o ? new Field(o.JsonName, o) : null;

    static Axis? FindAxis(List<Axis> axes, string name) =>
        axes.FirstOrDefault(a => a.Name == name) ?? axes.FirstOrDefault(a => Normalize(a.Name) == Normalize(name));

    static void SetField(JsonObject target, string key, JsonNode? value, string path)
    {
        var field = FindField(key) ?? throw new ConfigException(path, $"unknown field '{key}' (fields: {string.Join(", ", Fields.Select(f => f.Json))})");
        var nullable = field.Option.IsNullable;
        var t = field.Option.ValueType;
        if (value is null)
        {
            if (!nullable) throw new ConfigException(path, $"expected {TypeName(t)}, got null");
            target[field.Json] = null;
            return;
        }
        var kind = value is JsonValue jv ? jv.GetValueKind() : value is JsonArray ? JsonValueKind.Array : JsonValueKind.Object;
        bool ok = t == typeof(string) ? kind == JsonValueKind.String
            : t == typeof(bool) ? kind is JsonValueKind.True or JsonValueKind.False
            : t == typeof(double) ? kind == JsonValueKind.Number
            : t == typeof(int) ? kind == JsonValueKind.Number && value.AsValue().TryGetValue<int>(out _)
            : t == typeof(long) ? kind == JsonValueKind.Number && value.AsValue().TryGetValue<long>(out _)
            : false;
        if (!ok) throw new ConfigException(path, $"expected {TypeName(t)}, got {Kind(value)}");
        target[field.Json] = value.DeepClone();
    }

    static string TypeName(Type t) =>
        t == typeof(string) ? "a string" : t == typeof(bool) ? "true or false" : t == typeof(double) ? "a number" : "an integer";

    static RunConfig ToConfig(JsonObject node, string path)
    {
        RunConfig config;
        try { config = node.Deserialize<RunConfig>(JsonSettings.Options) ?? new RunConfig(); }
        catch (JsonException e) { throw new ConfigException(path, e.Message.Split('\n')[0]); }
        try { return config.Validate(); }
        catch (ConfigException e) { throw new ConfigException(path, $"{e.Field}: {e.Message[(e.Field.Length + 2)..]}"); }
    }

    static string String(JsonNode? node, string path) =>
        node is JsonValue v && v.TryGetValue<string>(out var s) ? s : throw new ConfigException(path, $"expected a string, got {Kind(node)}");

    static string Kind(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "an object",
        JsonArray => "an array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => $"the string {v.ToJsonString()}",
            JsonValueKind.Number => $"the number {v.ToJsonString()}",
            JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            _ => "a value",
        },
        _ => "a value",
    };
}
