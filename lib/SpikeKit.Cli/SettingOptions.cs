using System.CommandLine;
using SpikeKit.Config;

namespace SpikeKit.Cli;

/// <summary>
/// The rows of the one option table (<see cref="RunOptions"/>) as command-line options: <c>--NAME VALUE</c> or
/// <c>--NAME=VALUE</c>, on/off settings as bare flags (<c>--flip</c>, <c>--flip=false</c>). Values are parsed by the table,
/// so the command line, JSON specs and <c>--vary</c> accept and reject the same text with the same message.
/// </summary>
sealed class SettingOptions
{
    readonly List<(RunOption Row, Option Option)> _options = [];

    /// <summary>Adds one option per row to <paramref name="command"/>; the help shows <paramref name="defaults"/>' values.</summary>
    public SettingOptions(Command command, RunConfig defaults, Func<RunOption, bool>? include = null)
    {
        foreach (var row in RunOptions.All.Where(r => include?.Invoke(r) ?? true))
        {
            var help = $"{row.Help} [{row.Format(row.Get(defaults))}]";
            Option option = row.IsFlag
                ? new Option<bool>("--" + row.Name) { Description = help, Arity = ArgumentArity.ZeroOrOne }
                : new Option<string>("--" + row.Name) { Description = help, HelpName = row.ValueName };
            if (!row.IsFlag && Completions(row) is { } names) ((Option<string>)option).CompletionSources.Add(names);
            command.Options.Add(option);
            _options.Add((row, option));
        }
    }

    static string[]? Completions(RunOption row) => row.Name switch
    {
        "dataset" => [.. Data.Datasets.Names, .. Data.Events.EventDatasets.Names],
        "model" => [.. Models.ModelZoo.Names],
        "variant" => [.. RunConfig.Variants],
        "surrogate" => [.. Surrogates.Surrogate.Names],
        "neuron" => ["lif", "if"],
        "reset" => ["hard", "soft"],
        "norm" => ["tdbn", "bn"],
        "optimizer" => ["sgd", "adamw"],
        "device" => ["cpu", "cuda", "auto"],
        "rmp-distance" => ["squared", "absolute"],
        "lambda-schedule" => ["constant", "linear", "cosine"],
        _ => null,
    };

    /// <summary>The settings given on the command line, in table order.</summary>
    public IEnumerable<RunOption> Given(ParseResult result) =>
        _options.Where(o => result.GetResult(o.Option) is { Implicit: false }).Select(o => o.Row);

    /// <summary><paramref name="start"/> with every setting given on the command line applied.</summary>
    public RunConfig Apply(ParseResult result, RunConfig start)
    {
        var config = start;
        foreach (var (row, option) in _options)
        {
            if (result.GetResult(option) is not { Implicit: false }) continue;
            config = option is Option<bool> flag ? row.Set(config, result.GetValue(flag)) : row.Apply(config, result.GetValue((Option<string>)option)!);
        }
        return config;
    }
}
