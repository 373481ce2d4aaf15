using FedFace.Core.Training;
using FedFace.Learning.Backbones;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

/// <summary>The training jitter: reproducible under a seed, off unless asked for, and moving pixels where it says.</summary>
public sealed class FaceAugmentationTests
{
    private const int Side = FaceBackbone.InputSize;
    private const int Plane = Side * Side;
    private static readonly FaceAugmentation Everything = new() { MaxShift = 0.1f, MaxScale = 0.1f, MaxRotationDegrees = 10, ColorJitter = 0.2f };

    [Fact]
    public void A_seed_fixes_the_jittered_batches_and_another_seed_changes_them()
    {
        FaceTrainingSet set = RandomSet();

        float[][] first = Batches(set, seed: 5, Everything), again = Batches(set, seed: 5, Everything), other = Batches(set, seed: 6, Everything);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
        Assert.NotEqual(first, Batches(set, seed: 5, FaceAugmentation.None)); // the jitter changed the faces
    }

    [Fact]
    public void No_augmentation_draws_nothing_so_the_batches_stay_as_they_were()
    {
        FaceTrainingSet set = RandomSet();
        var sampler = new BatchSampler(set, batchSize: 4, seed: 5);
        float[][] unaugmented = Enumerable.Range(0, 2).SelectMany(_ => sampler.NextEpoch().Select(b => b.Pixels.ToArray())).ToArray();

        Assert.Equal(unaugmented, Batches(set, seed: 5, FaceAugmentation.None));
    }

    [Fact]
    public void The_identity_jitter_copies_and_mirrors_the_face()
    {
        float[] face = RandomSet().Pixels.AsSpan(0, FaceTrainingSet.ValuesPerImage).ToArray();
        var identity = new FaceJitter(0, 0, 1, 0, 1, 0);
        float[] copied = new float[face.Length], mirrored = new float[face.Length];

        identity.Apply(face, copied, flip: false);
        identity.Apply(face, mirrored, flip: true);

        Assert.Equal(face, copied, new ToleranceComparer(1e-5f));
        Assert.Equal(face[7 * Side + 3], mirrored[7 * Side + (Side - 1 - 3)], 5);
        Assert.Equal(face[2 * Plane + 100 * Side + 111], mirrored[2 * Plane + 100 * Side], 5);
    }

    [Fact]
    public void A_shift_moves_the_face_right_and_down_and_colour_scales_and_offsets_it()
    {
        var face = new float[FaceTrainingSet.ValuesPerImage];
        face[Plane + 40 * Side + 30] = 1; // a dot at x = 30, y = 40 in the second channel
        var jittered = new float[face.Length];

        new FaceJitter(ShiftX: 3, ShiftY: -2, Scale: 1, Angle: 0, Contrast: 2, Brightness: 0.5f).Apply(face, jittered, flip: false);

        Assert.Equal(2 * 1 + 0.5f, jittered[Plane + 38 * Side + 33], 5);
        Assert.Equal(0.5f, jittered[Plane + 40 * Side + 30], 5);
        Assert.Equal(face.Length - 1, jittered.Count(v => Math.Abs(v - 0.5f) < 1e-5f));
    }

    [Fact]
    public void Bounds_outside_their_range_are_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (TrainingPlan.Default with { AugmentMaxShift = 0.6f }).Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceAugmentation { MaxRotationDegrees = -1 }.Validate());
        Assert.Throws<ArgumentOutOfRangeException>(() => new FaceAugmentation { ColorJitter = 1 }.Validate());
        Everything.Validate();
    }

    private static float[][] Batches(FaceTrainingSet set, ulong seed, FaceAugmentation augmentation)
    {
        var sampler = new BatchSampler(set, batchSize: 4, seed, augmentation: augmentation);
        return Enumerable.Range(0, 2).SelectMany(_ => sampler.NextEpoch().Select(b => b.Pixels.ToArray())).ToArray();
    }

    private static FaceTrainingSet RandomSet()
    {
        var random = new Random(1);
        var pixels = new float[6 * FaceTrainingSet.ValuesPerImage];
        for (int i = 0; i < pixels.Length; i++)
        {
            pixels[i] = 2 * random.NextSingle() - 1;
        }
        return new FaceTrainingSet(pixels, [0, 1, 2, 0, 1, 2], 3);
    }

    private sealed class ToleranceComparer(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float x, float y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(float value) => 0;
    }
}
