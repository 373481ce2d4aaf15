namespace FedFace.Core;

/// <summary>
/// The ranges a training augmentation's bounds must lie in, in one place for the two sides that check them: the
/// aggregator's settings (which may not reference FedFace.Learning and its TorchSharp) and the site's FaceAugmentation.
/// </summary>
public static class AugmentationBounds
{
    /// <summary>Each bound outside its range, in the order shift, scale, rotation, colour, named as FaceAugmentation names it.</summary>
    public static IEnumerable<(string Name, float Value, string Rule)> Violations(float maxShift, float maxScale, float maxRotationDegrees, float colorJitter)
    {
        if (!(maxShift is >= 0 and < 0.5f)) yield return ("MaxShift", maxShift, "must be in [0, 0.5)");
        if (!(maxScale is >= 0 and < 1)) yield return ("MaxScale", maxScale, "must be in [0, 1)");
        if (!(maxRotationDegrees is >= 0 and <= 180)) yield return ("MaxRotationDegrees", maxRotationDegrees, "must be in [0, 180]");
        if (!(colorJitter is >= 0 and < 1)) yield return ("ColorJitter", colorJitter, "must be in [0, 1)");
    }
}
