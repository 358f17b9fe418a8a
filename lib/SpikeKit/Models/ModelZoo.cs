namespace SpikeKit.Models;

/// <summary>Creates models by name: <c>cnn</c>, <c>resnet18</c>, <c>resnet19</c>, <c>resnet20</c>, <c>resnet34</c>, <c>vgg11</c>, <c>vgg16</c>.</summary>
public static class ModelZoo
{
    /// <summary>Known model names.</summary>
    public static IReadOnlyList<string> Names { get; } = ["cnn", "resnet18", "resnet19", "resnet20", "resnet34", "vgg11", "vgg16"];

    /// <summary>Builds the named model.</summary>
    /// <exception cref="ArgumentException">"model: unknown 'x' (known: ...)" for an unknown name.</exception>
    public static SpikingNetwork Create(string name, ModelOptions options) => name.ToLowerInvariant() switch
    {
        "cnn" => new SpikingCnn(options),
        "resnet18" => SpikingResNet.ResNet18(options),
        "resnet19" => SpikingResNet.ResNet19(options),
        "resnet20" => SpikingResNet.ResNet20(options),
        "resnet34" => SpikingResNet.ResNet34(options),
        "vgg11" => SpikingVgg.Vgg11(options),
        "vgg16" => SpikingVgg.Vgg16(options),
        _ => throw new ArgumentException($"model: unknown '{name}' (known: {string.Join(", ", Names)})"),
    };
}
