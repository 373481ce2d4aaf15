using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

public sealed class FrozenBatchNormTests
{
    [Fact]
    public void With_frozen_batch_norm_statistics_the_running_statistics_stay_while_the_weights_train()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 2);
        using var site = new SiteModel(faces.ClassCount, seed: 1);
        ModelState global = GlobalModelFactory.CreateInitial(seed: 7);
        site.LoadGlobal(global);

        site.Train(faces, TrainingPlan.Default with { FreezeBatchNormStatistics = true, MaxSteps = 1, BatchSize = 4, Seed = 3 });

        ModelState delta = site.ComputeDelta(global);
        Assert.All(delta.Tensors.Where(t => t.Name.EndsWith(".running_mean", StringComparison.Ordinal) || t.Name.EndsWith(".running_var", StringComparison.Ordinal)),
            t => Assert.True(t.Values.All(v => v == 0), $"{t.Name} moved although frozen"));
        Assert.Contains(delta.Tensors, t => t.Name == "features.1.conv.0.1.weight" && t.Values.Any(v => v != 0));
        Assert.Contains(delta.Tensors, t => t.Name == "conv1.0.weight" && t.Values.Any(v => v != 0));
    }
}
