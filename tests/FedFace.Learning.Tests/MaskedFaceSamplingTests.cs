using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

/// <summary>Mask augmentation: the sampler takes a face's masked rendering with the configured probability, reproducibly.</summary>
public sealed class MaskedFaceSamplingTests
{
    private const int Images = 40;

    [Fact]
    public void At_probability_zero_no_masked_face_is_ever_taken()
    {
        Assert.Equal(0, MaskedShare(probability: 0, seed: 1));
    }

    [Fact]
    public void At_probability_one_every_face_is_the_masked_rendering()
    {
        Assert.Equal(1, MaskedShare(probability: 1, seed: 1));
    }

    [Fact]
    public void At_one_half_about_half_the_faces_are_masked()
    {
        Assert.InRange(MaskedShare(probability: 0.5f, seed: 2, epochs: 10), 0.4, 0.6);
    }

    [Fact]
    public void The_same_seed_gives_the_same_batches_and_another_seed_other_ones()
    {
        FaceTrainingSet set = MarkedSet();
        float[][] first = Batches(set, 0.5f, seed: 9), again = Batches(set, 0.5f, seed: 9), other = Batches(set, 0.5f, seed: 10);

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Without_masked_renderings_the_probability_changes_nothing()
    {
        FaceTrainingSet plain = MarkedSet() with { MaskedPixels = null };

        Assert.Equal(Batches(plain, 0, seed: 4), Batches(plain, 1, seed: 4));
    }

    [Fact]
    public void A_subset_and_a_pool_keep_each_face_with_its_masked_rendering()
    {
        FaceTrainingSet set = MarkedSet();

        FaceTrainingSet subset = set.Subset([5, 2]);
        FaceTrainingSet pooled = CentralizedTrainer.Pool([set, set]);

        Assert.Equal(-5f, subset.MaskedPixels![0]);
        Assert.Equal(-2f, subset.MaskedPixels[FaceTrainingSet.ValuesPerImage]);
        Assert.Equal(-(Images - 1), pooled.MaskedPixels![(2 * Images - 1) * FaceTrainingSet.ValuesPerImage]);
        Assert.Null(CentralizedTrainer.Pool([set, set with { MaskedPixels = null }]).MaskedPixels);
    }

    [Fact]
    public void Unmasked_twins_are_the_same_faces_unmasked_and_leave_the_batches_as_they_were()
    {
        FaceTrainingSet set = MarkedSet();
        var withTwins = new BatchSampler(set, batchSize: 8, seed: 3, maskedProbability: 0.5f, withUnmaskedTwins: true);
        var plain = new BatchSampler(set, batchSize: 8, seed: 3, maskedProbability: 0.5f);

        foreach (((ReadOnlyMemory<float> pixels, ReadOnlyMemory<float> twins, _), (ReadOnlyMemory<float> plainPixels, ReadOnlyMemory<float> noTwins, _))
            in withTwins.NextEpoch().Zip(plain.NextEpoch()))
        {
            Assert.Equal(plainPixels.ToArray(), pixels.ToArray()); // asking for twins draws no extra random numbers
            Assert.True(noTwins.IsEmpty);
            float[] faces = pixels.ToArray(), unmasked = twins.ToArray();
            Assert.Equal(faces.Length, unmasked.Length);
            for (int i = 0; i < faces.Length; i += FaceTrainingSet.ValuesPerImage)
            {
                Assert.Equal(Math.Abs(faces[i]), unmasked[i]); // marks: +i unmasked, −i masked
            }
        }
    }

    [Fact]
    public void A_masked_rendering_of_another_size_is_refused()
    {
        FaceTrainingSet set = MarkedSet() with { MaskedPixels = new float[FaceTrainingSet.ValuesPerImage] };
        Assert.Contains("masked rendering", Assert.Throws<ArgumentException>(set.Validate).Message);
    }

    [Fact]
    public void The_probability_must_be_a_share()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => (TrainingPlan.Default with { MaskedFaceProbability = 1.5f }).Validate());
    }

    /// <summary>Image i is filled with +i, its masked rendering with −i (image 0 uses ±0.5 so the sign tells them apart).</summary>
    private static FaceTrainingSet MarkedSet()
    {
        var pixels = new float[Images * FaceTrainingSet.ValuesPerImage];
        var masked = new float[pixels.Length];
        for (int i = 0; i < Images; i++)
        {
            float mark = i == 0 ? 0.5f : i;
            pixels.AsSpan(i * FaceTrainingSet.ValuesPerImage, FaceTrainingSet.ValuesPerImage).Fill(mark);
            masked.AsSpan(i * FaceTrainingSet.ValuesPerImage, FaceTrainingSet.ValuesPerImage).Fill(-mark);
        }
        return new FaceTrainingSet(pixels, Enumerable.Range(0, Images).Select(i => i % 4).ToArray(), 4, masked);
    }

    private static double MaskedShare(float probability, int seed, int epochs = 1)
    {
        float[][] batches = Batches(MarkedSet(), probability, (ulong)seed, epochs);
        float[] marks = batches.SelectMany(b => Enumerable.Range(0, b.Length / FaceTrainingSet.ValuesPerImage).Select(i => b[i * FaceTrainingSet.ValuesPerImage])).ToArray();
        return marks.Count(m => m < 0) / (double)marks.Length;
    }

    private static float[][] Batches(FaceTrainingSet set, float probability, ulong seed, int epochs = 1)
    {
        var sampler = new BatchSampler(set, batchSize: 8, seed, probability);
        return Enumerable.Range(0, epochs).SelectMany(_ => sampler.NextEpoch().Select(b => b.Pixels.ToArray())).ToArray();
    }
}
