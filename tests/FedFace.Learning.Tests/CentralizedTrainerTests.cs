using FedFace.Core;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

public sealed class CentralizedTrainerTests
{
    [Fact]
    public void Pooling_gives_each_sites_people_their_own_classes_and_keeps_every_face()
    {
        FaceTrainingSet first = OrlFaces.Load(people: 2, imagesPerPerson: 2);
        FaceTrainingSet second = OrlFaces.Load(people: 3, imagesPerPerson: 1);

        FaceTrainingSet pooled = CentralizedTrainer.Pool([first, second]);

        Assert.Equal(5, pooled.ClassCount);
        Assert.Equal([0, 0, 1, 1, 2, 3, 4], pooled.Labels);
        Assert.Equal(first.Pixels, pooled.Pixels[..first.Pixels.Length]);
        Assert.Equal(second.Pixels, pooled.Pixels[first.Pixels.Length..]);
    }

    [Fact]
    public void Training_on_the_pooled_faces_returns_a_backbone_state_and_the_runs_report()
    {
        FaceTrainingSet[] sites = [OrlFaces.Load(people: 2, imagesPerPerson: 3), OrlFaces.Load(people: 2, imagesPerPerson: 3)];
        ModelState initial = GlobalModelFactory.CreateInitial(seed: 7);

        CentralizedTrainingResult result = CentralizedTrainer.Train(sites, initial,
            LocalTrainingOptions.Default with { BatchSize = 6, MaxSteps = 1, Seed = 1 }, seed: 1);

        Assert.Equal(1, result.Report.Steps);
        Assert.Equal(6, result.Report.Examples);
        Assert.Equal(initial.Tensors.Select(t => t.Name), result.Backbone.Tensors.Select(t => t.Name));
        Assert.NotEqual(initial.ComputeSha256Hex(), result.Backbone.ComputeSha256Hex());
    }
}
