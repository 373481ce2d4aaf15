using FedFace.Learning.Backbones;

namespace FedFace.Learning.Training;

/// <summary>
/// A site's aligned faces, ready for the network: <see cref="Pixels"/> holds N images of 3x112x112 floats, RGB, CHW,
/// already normalised as (x − 127.5) / 127.5; <see cref="Labels"/> holds each image's identity in [0, ClassCount).
/// <see cref="MaskedPixels"/>, when given, is a second rendering of every face in the same layout (a synthetic mask
/// drawn on the aligned crop by the site, which has the image tools Learning does not), for mask augmentation.
/// </summary>
public sealed record FaceTrainingSet(float[] Pixels, int[] Labels, int ClassCount, float[]? MaskedPixels = null)
{
    public const int ValuesPerImage = 3 * FaceBackbone.InputSize * FaceBackbone.InputSize;

    public int ImageCount => Labels.Length;

    /// <summary>Throws with a clear message unless the pixel count, labels and class count agree.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Pixels);
        ArgumentNullException.ThrowIfNull(Labels);
        if (ClassCount < 2)
        {
            throw new ArgumentException($"a training set needs at least 2 classes, got {ClassCount}");
        }
        if (Pixels.LongLength != (long)Labels.Length * ValuesPerImage)
        {
            throw new ArgumentException(
                $"{Labels.Length} labels need {(long)Labels.Length * ValuesPerImage} pixel values (3x112x112 each), got {Pixels.LongLength}");
        }
        if (MaskedPixels is not null && MaskedPixels.LongLength != Pixels.LongLength)
        {
            throw new ArgumentException($"the masked rendering has {MaskedPixels.LongLength} pixel values, the faces {Pixels.LongLength}");
        }
        for (int i = 0; i < Labels.Length; i++)
        {
            if ((uint)Labels[i] >= (uint)ClassCount)
            {
                throw new ArgumentException($"label {Labels[i]} of image {i} is outside [0, {ClassCount})");
            }
        }
    }

    /// <summary>The given images, in the given order, with the same label space.</summary>
    public FaceTrainingSet Subset(IReadOnlyList<int> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        var labels = new int[images.Count];
        for (int i = 0; i < images.Count; i++)
        {
            labels[i] = Labels[images[i]];
        }
        return new FaceTrainingSet(Gather(Pixels, images), labels, ClassCount, MaskedPixels is null ? null : Gather(MaskedPixels, images));
    }

    private static float[] Gather(float[] source, IReadOnlyList<int> images)
    {
        var gathered = new float[(long)images.Count * ValuesPerImage];
        for (int i = 0; i < images.Count; i++)
        {
            source.AsSpan(images[i] * ValuesPerImage, ValuesPerImage).CopyTo(gathered.AsSpan(i * ValuesPerImage, ValuesPerImage));
        }
        return gathered;
    }
}
