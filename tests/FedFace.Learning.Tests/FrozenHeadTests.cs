using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

public sealed class FrozenHeadTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_frozen_head_keeps_its_centres_while_the_backbone_trains_and_a_trained_one_moves(bool freezeHead)
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 2);
        using var site = new SiteModel(faces.ClassCount, seed: 1);
        ModelState global = GlobalModelFactory.CreateInitial(seed: 7);
        site.LoadGlobal(global);
        float[] centresBefore = site.Head.Weight.data<float>().ToArray();

        LocalTrainingReport report = site.Train(faces, TrainingPlan.Default with
        {
            FreezeHead = freezeHead, InitializeHeadFromMeans = false, LocalEpochs = 2, BatchSize = 4, Seed = 3,
        });

        Assert.Equal(2, report.Steps);
        Assert.True(double.IsFinite(report.MeanLoss));
        Assert.Contains(site.ComputeDelta(global).Tensors, t => t.Name.StartsWith("conv1.", StringComparison.Ordinal) && t.Values.Any(v => v != 0));
        float[] centresAfter = site.Head.Weight.data<float>().ToArray();
        if (freezeHead)
        {
            Assert.Equal(centresBefore, centresAfter);
        }
        else
        {
            Assert.NotEqual(centresBefore, centresAfter);
        }
    }
}
