using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

public sealed class FrozenStagesTests
{
    [Fact]
    public void Frozen_leading_stages_keep_their_weights_and_bn_statistics_while_the_rest_trains()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 2);
        using var site = new SiteModel(faces.ClassCount, seed: 1);
        ModelState global = GlobalModelFactory.CreateInitial(seed: 7);
        site.LoadGlobal(global);

        // conv1, dw_conv and features.0 frozen; one step of SGD on the 4 faces.
        site.Train(faces, TrainingPlan.Default with { FrozenStages = 3, MaxSteps = 1, BatchSize = 4, Seed = 3 });

        ModelState delta = site.ComputeDelta(global);
        string[] frozen = ["conv1.", "dw_conv.", "features.0."];
        foreach (NamedTensor tensor in delta.Tensors)
        {
            bool isFrozen = frozen.Any(prefix => tensor.Name.StartsWith(prefix, StringComparison.Ordinal));
            if (isFrozen)
            {
                Assert.True(tensor.Values.All(v => v == 0), $"{tensor.Name} moved although frozen");
            }
        }
        Assert.Contains(delta.Tensors, t => t.Name.StartsWith("features.1.", StringComparison.Ordinal) && t.Values.Any(v => v != 0));
        Assert.Contains(delta.Tensors, t => t.Name == "features.1.conv.0.1.running_mean" && t.Values.Any(v => v != 0));
    }

    [Fact]
    public void A_stage_count_beyond_the_backbone_is_refused_by_name()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 2);
        using var site = new SiteModel(faces.ClassCount, seed: 1);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => site.Train(faces, TrainingPlan.Default with { FrozenStages = 22 }));
        Assert.Contains("at most 21", error.Message);
    }
}
