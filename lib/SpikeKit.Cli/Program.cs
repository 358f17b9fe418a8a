using System.Globalization;
using SpikeKit.Cli;
using SpikeKit.Config;
using SpikeKit.Training;

CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
try
{
    return SpikeKitCommand.Run(args);
}
catch (ConfigException e)
{
    // An option name ("train-limit") gets its dashes; a file or spec field ("spec.json: $.grid.x") is printed as it is.
    var option = e.Field.Length > 0 && e.Field.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-') && !e.Field.StartsWith('-')
        ? "--" + e.Field : e.Field;
    Console.Error.WriteLine($"spikekit: {option}: {e.Message[(e.Field.Length + 2)..]}");
    return ExitCodes.BadOption;
}
catch (UsageException e)
{
    Console.Error.WriteLine($"spikekit: {e.Message}");
    return ExitCodes.BadOption;
}
catch (TrainingDivergedException e)
{
    Console.Error.WriteLine($"spikekit: {e.Message}");
    return ExitCodes.Diverged;
}
catch (Exception e) when (e is not OutOfMemoryException)
{
    Console.Error.WriteLine($"spikekit: {e.Message.Split('\n')[0]}");
    if (Environment.GetEnvironmentVariable("SPIKEKIT_DEBUG") is { Length: > 0 }) Console.Error.WriteLine(e);
    return ExitCodes.Failed;
}
