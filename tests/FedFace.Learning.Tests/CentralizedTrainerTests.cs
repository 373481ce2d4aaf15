using FedFace.Core;
using FedFace.Core.Training;
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
            TrainingPlan.Default with { BatchSize = 6, MaxSteps = 1, Seed = 1 }, seed: 1);

        Assert.Equal(1, result.Report.Steps);
        Assert.Equal(6, result.Report.Examples);
        Assert.Equal(initial.Tensors.Select(t => t.Name), result.Backbone.Tensors.Select(t => t.Name));
        Assert.NotEqual(initial.ComputeSha256Hex(), result.Backbone.ComputeSha256Hex());
    }

    [Fact]
    public void Averaging_the_last_two_models_returns_the_mean_of_the_model_after_each_of_the_last_two_epochs()
    {
        FaceTrainingSet[] sites = [OrlFaces.Load(people: 2, imagesPerPerson: 3), OrlFaces.Load(people: 2, imagesPerPerson: 3)];
        ModelState initial = GlobalModelFactory.CreateInitial(seed: 7);
        // One batch per epoch. Without warm-up the first step runs at the peak rate whatever the run's length, so a run
        // capped at one step ends where the two-epoch run stands after its first epoch.
        TrainingPlan twoEpochs = TrainingPlan.Default with { BatchSize = 12, LocalEpochs = 2, Seed = 1 };

        ModelState afterFirst = CentralizedTrainer.Train(sites, initial, twoEpochs with { MaxSteps = 1 }, seed: 1).Backbone;
        ModelState afterSecond = CentralizedTrainer.Train(sites, initial, twoEpochs, seed: 1).Backbone;
        CentralizedTrainingResult averaged = CentralizedTrainer.Train(sites, initial, twoEpochs, seed: 1, averageLastModels: 2);

        Assert.Equal(2, averaged.Report.Steps);
        Assert.NotEqual(afterFirst.ComputeSha256Hex(), afterSecond.ComputeSha256Hex());
        foreach (NamedTensor tensor in averaged.Backbone.Tensors)
        {
            float[] first = afterFirst[tensor.Name].Values, second = afterSecond[tensor.Name].Values;
            for (int i = 0; i < first.Length; i++)
            {
                Assert.Equal((first[i] + second[i]) / 2, tensor.Values[i], tolerance: 1e-5f);
            }
        }
    }
}
