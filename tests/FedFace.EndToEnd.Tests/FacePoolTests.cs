using FedFace.DevelopmentData;
using FedFace.Inference;
using FedFace.Learning.Training;
using FedFace.Simulator.VirtualSites;
using FedFace.Vision;

namespace FedFace.EndToEnd.Tests;

public sealed class FacePoolTests
{
    private static readonly string[] s_people = ["Ariel_Sharon", "Colin_Powell", "Donald_Rumsfeld", "George_W_Bush", "Gerhard_Schroeder", "Tony_Blair"];

    [Fact]
    public void Sites_of_a_pool_with_too_few_people_reuse_them_say_how_often_and_get_the_faces_the_pipeline_aligned()
    {
        LabelledImage[] images = [.. s_people.SelectMany(person => new[] { 1, 2 }.Select(n => new LabelledImage(SharedData.LfwImage(person, n), person)))];
        using var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(SharedData.YuNetModel), degreeOfParallelism: 2);
        FacePool pool = FacePool.Align(images, pipeline, ModelInputNormalization.Symmetric, CancellationToken.None);

        var sites = new PooledSiteFaces(pool, sites: 5, peoplePerSite: 2, seed: 3);

        Assert.Equal(6, pool.PeopleCount);
        Assert.Equal(12 * FaceTensor.Length, pool.Bytes); // bytes, not floats: 4× smaller than network input
        Assert.Equal(2, sites.ReuseFactor); // 5 sites × 2 people over 6 people
        FaceTrainingSet[] faces = [.. Enumerable.Range(0, 5).Select(sites.For)];
        Assert.All(faces, site =>
        {
            Assert.Equal(2, site.ClassCount);
            Assert.Equal([0, 0, 1, 1], site.Labels);
        });
        float[] aligned = pipeline.ProcessMany([images[0].Path]).Results[0].Face!.ToTensor();
        Assert.Contains(faces, site => site.Pixels.AsSpan(0, FaceTensor.Length).SequenceEqual(aligned) || site.Pixels.AsSpan(2 * FaceTensor.Length, FaceTensor.Length).SequenceEqual(aligned));
        Assert.Throws<ArgumentException>(() => new PooledSiteFaces(pool, sites: 1, peoplePerSite: 7, seed: 3));
    }
}
