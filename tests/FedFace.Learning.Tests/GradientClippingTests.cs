using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Core.Training;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

public sealed class GradientClippingTests
{
    // One plain SGD step at rate 1: the backbone moves by exactly its (clipped) gradient.
    private static readonly TrainingPlan s_oneRawStep = TrainingPlan.Default with
    {
        LocalEpochs = 1, BatchSize = 4, Seed = 3, LearningRate = 1, LearningRateFloor = 1, Momentum = 0, WeightDecay = 0, InitializeHeadFromMeans = false,
    };

    [Fact]
    public void A_clipped_step_moves_the_backbone_by_the_bound_and_the_report_counts_it()
    {
        const float bound = 0.01f;
        (double moved, LocalTrainingReport report) = OneStep(s_oneRawStep with { GradientClipNorm = bound });

        Assert.Equal(bound, moved, tolerance: bound * 1e-3);
        Assert.Equal((1, 1), (report.ClippedSteps, report.Steps));
        Assert.True(report.LargestGradientNorm > bound, $"the unclipped gradient was {report.LargestGradientNorm}");
    }

    [Fact]
    public void Without_a_bound_the_step_is_the_whole_gradient_and_nothing_is_measured()
    {
        (double moved, LocalTrainingReport report) = OneStep(s_oneRawStep);

        Assert.True(moved > 1, $"the backbone moved {moved}");
        Assert.Equal((0, null), (report.ClippedSteps, report.LargestGradientNorm));
    }

    [Fact]
    public void A_bound_above_the_gradient_leaves_the_step_alone()
    {
        (double unclipped, _) = OneStep(s_oneRawStep);
        (double moved, LocalTrainingReport report) = OneStep(s_oneRawStep with { GradientClipNorm = 1e6f });

        Assert.Equal(unclipped, moved, tolerance: unclipped * 1e-5);
        Assert.Equal(0, report.ClippedSteps);
        Assert.Equal(unclipped, report.LargestGradientNorm!.Value, tolerance: unclipped * 1e-3);
    }

    [Fact]
    public void A_negative_bound_is_refused_by_name()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => (s_oneRawStep with { GradientClipNorm = -1 }).Validate());
        Assert.Contains(nameof(TrainingPlan.GradientClipNorm), error.Message, StringComparison.Ordinal);
    }

    /// <summary>One step on four real faces; how far the trained weights moved (L2, running statistics left out).</summary>
    private static (double Moved, LocalTrainingReport Report) OneStep(TrainingPlan options)
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 2);
        using var site = new SiteModel(faces.ClassCount, seed: 1);
        ModelState global = GlobalModelFactory.CreateInitial(seed: 7);
        site.LoadGlobal(global);
        LocalTrainingReport report = site.Train(faces, options);
        return (DeltaClipping.WeightNorm(site.ComputeDelta(global)), report);
    }
}
