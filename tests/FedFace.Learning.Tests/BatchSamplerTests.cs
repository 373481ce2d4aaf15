using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

public sealed class BatchSamplerTests
{
    [Theory]
    [InlineData(130, 32, new[] { 26, 26, 26, 26, 26 })] // not four of 32 and a BatchNorm batch of 2
    [InlineData(131, 32, new[] { 27, 26, 26, 26, 26 })]
    [InlineData(33, 32, new[] { 17, 16 })]
    [InlineData(64, 32, new[] { 32, 32 })]
    [InlineData(5, 32, new[] { 5 })]
    [InlineData(2, 32, new[] { 2 })]
    public void An_epoch_takes_every_image_once_in_batches_that_differ_by_at_most_one(int images, int batchSize, int[] sizes)
    {
        var sampler = new BatchSampler(IndexedSet(images), batchSize, seed: 5);

        long[][] epoch = [.. sampler.NextEpoch().Select(b => b.Labels)];

        Assert.Equal(sizes, epoch.Select(b => b.Length));
        Assert.Equal(sizes.Length, sampler.BatchesPerEpoch);
        Assert.Equal(Enumerable.Range(0, images).Select(i => (long)i), epoch.SelectMany(b => b).Order());
    }

    [Fact]
    public void A_single_image_makes_no_batch()
    {
        var sampler = new BatchSampler(IndexedSet(1), batchSize: 32, seed: 5);

        Assert.Equal(0, sampler.BatchesPerEpoch);
        Assert.Empty(sampler.NextEpoch());
    }

    /// <summary>Blank images, each its own person: a batch's labels say which images it holds.</summary>
    private static FaceTrainingSet IndexedSet(int images) =>
        new(new float[images * FaceTrainingSet.ValuesPerImage], Enumerable.Range(0, images).ToArray(), images);
}
