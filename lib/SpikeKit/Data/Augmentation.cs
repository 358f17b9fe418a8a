namespace SpikeKit.Data;

/// <summary>
/// Training-time augmentation applied by <see cref="BatchLoader"/>, in raw pixel space before normalization
/// (as torchvision's <c>RandomCrop(size, padding)</c> and <c>RandomHorizontalFlip()</c> before <c>Normalize</c>).
/// </summary>
/// <param name="CropPadding">Random crop: zero-pad each side by this many pixels, then cut an H×W window at a uniformly
/// random offset in <c>[0, 2·CropPadding]</c> per axis. 0 disables it. Must be ≥ 0.</param>
/// <param name="HorizontalFlip">Mirror each image left–right with probability ½.</param>
public sealed record Augmentation(int CropPadding = 0, bool HorizontalFlip = false)
{
    readonly int _cropPadding = Check(CropPadding);

    /// <summary>Zero-padding in pixels for the random crop; 0 disables cropping.</summary>
    public int CropPadding { get => _cropPadding; init => _cropPadding = Check(value); }

    /// <summary>No augmentation.</summary>
    public static Augmentation None { get; } = new();

    /// <summary>True when this augmentation changes nothing.</summary>
    public bool IsNone => CropPadding == 0 && !HorizontalFlip;

    static int Check(int padding) =>
        padding >= 0 ? padding : throw new ArgumentOutOfRangeException(nameof(CropPadding), padding, "augmentation: crop padding must be >= 0");
}
