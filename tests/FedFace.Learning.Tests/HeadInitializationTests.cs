using FedFace.Core;
using FedFace.Learning.Training;
using Xunit.Abstractions;

namespace FedFace.Learning.Tests;

public sealed class HeadInitializationTests(ITestOutputHelper output)
{
    [Fact]
    public void Centres_at_each_persons_mean_embedding_start_with_a_lower_loss_than_a_random_head_on_real_faces()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 8, imagesPerPerson: 4);
        ModelState global = GlobalModelFactory.CreateInitial(seed: 7);
        using var randomHead = new SiteModel(faces.ClassCount, seed: 1);
        using var meanHead = new SiteModel(faces.ClassCount, seed: 1);
        randomHead.LoadGlobal(global);
        meanHead.LoadGlobal(global);

        meanHead.InitializeHeadFromMeans(faces);
        double random = randomHead.MeanLoss(faces), initialised = meanHead.MeanLoss(faces);

        output.WriteLine($"initial ArcFace loss (s = 64, m = 0.5): random head {random:F2}, mean-embedding head {initialised:F2}");
        Assert.True(initialised < random - 1, $"mean-embedding head {initialised:F2} vs random head {random:F2}");
    }
}
