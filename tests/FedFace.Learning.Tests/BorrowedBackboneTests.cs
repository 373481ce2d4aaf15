using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Backbones;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

/// <summary>
/// A simulation worker reuses one backbone for many sites: a site on a borrowed backbone, its state saved and put back,
/// must train exactly as it would on a network of its own, whatever other sites did on that backbone in between.
/// </summary>
public sealed class BorrowedBackboneTests
{
    private static readonly TrainingPlan s_plan = TrainingPlan.Default with { LocalEpochs = 1, BatchSize = 4, MaxSteps = 2, Seed = 3 };
    private static readonly ModelState s_firstGlobal = GlobalModelFactory.CreateInitial(seed: 21);
    private static readonly ModelState s_secondGlobal = GlobalModelFactory.CreateInitial(seed: 22);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Two_rounds_on_a_backbone_other_sites_trained_on_between_them_match_two_rounds_on_the_sites_own_network(bool keepBatchNormLocal)
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 3, imagesPerPerson: 4);
        FaceTrainingSet otherFaces = OrlFaces.Load(people: 4, imagesPerPerson: 3);
        TrainingPlan plan = s_plan with { KeepBatchNormLocal = keepBatchNormLocal };
        (ModelState Delta, float[] Head)[] own;
        using (var resident = new SiteModel(faces.ClassCount, seed: 5))
        {
            own = [TrainRound(resident, s_firstGlobal, faces, plan), TrainRound(resident, s_secondGlobal, faces, plan)];
        }

        using FaceBackbone shared = BackboneArchitecture.MobileFaceNet.Create(seed: 99);
        TrainOtherSite(shared, otherFaces, plan); // leaves its weights, running statistics and batch counters behind
        SiteModelState saved;
        ModelState firstDelta;
        using (var site = SiteModel.OnBorrowedBackbone(shared, faces.ClassCount, seed: 5, state: null))
        {
            firstDelta = TrainRound(site, s_firstGlobal, faces, plan).Delta;
            saved = site.SaveState();
        }
        TrainOtherSite(shared, otherFaces, plan);
        (ModelState Delta, float[] Head) second;
        using (var site = SiteModel.OnBorrowedBackbone(shared, faces.ClassCount, seed: 5, saved))
        {
            second = TrainRound(site, s_secondGlobal, faces, plan);
        }

        Assert.Equal(own[0].Delta.ComputeSha256Hex(), firstDelta.ComputeSha256Hex());
        Assert.Equal(own[1].Delta.ComputeSha256Hex(), second.Delta.ComputeSha256Hex());
        Assert.Equal(own[1].Head, second.Head);
        Assert.Equal(own[0].Head, saved.HeadWeights);
        Assert.Equal(keepBatchNormLocal, saved.LocalBatchNorm is not null);
    }

    [Fact]
    public void Loading_the_global_model_restarts_the_batch_counters_the_last_user_of_the_backbone_left()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 3, imagesPerPerson: 4);
        using FaceBackbone shared = BackboneArchitecture.MobileFaceNet.Create(seed: 99);
        TrainOtherSite(shared, faces, s_plan);
        TorchSharp.Modules.BatchNorm[] batchNorms = [.. shared.modules().OfType<TorchSharp.Modules.BatchNorm>()];
        Assert.Contains(batchNorms, b => b.num_batches_tracked!.item<long>() > 0);

        using var site = SiteModel.OnBorrowedBackbone(shared, faces.ClassCount, seed: 5, state: null);
        site.LoadGlobal(s_firstGlobal);

        Assert.All(batchNorms, b => Assert.Equal(0L, b.num_batches_tracked!.item<long>()));
    }

    [Fact]
    public void A_saved_head_of_the_wrong_size_is_refused_naming_both_sizes()
    {
        using FaceBackbone shared = BackboneArchitecture.MobileFaceNet.Create(seed: 1);
        var state = new SiteModelState(new float[10], LocalBatchNorm: null);

        var refused = Assert.Throws<ArgumentException>(() => SiteModel.OnBorrowedBackbone(shared, classCount: 3, seed: 1, state));

        Assert.Contains("10 weights", refused.Message);
        Assert.Contains($"{3 * shared.EmbeddingSize}", refused.Message);
    }

    private static (ModelState Delta, float[] Head) TrainRound(SiteModel model, ModelState global, FaceTrainingSet faces, TrainingPlan plan)
    {
        model.LoadGlobal(global, plan.KeepBatchNormLocal);
        model.Train(faces, plan);
        return (model.ComputeDelta(global), model.SaveState().HeadWeights);
    }

    private static void TrainOtherSite(FaceBackbone shared, FaceTrainingSet faces, TrainingPlan plan)
    {
        using var other = SiteModel.OnBorrowedBackbone(shared, faces.ClassCount, seed: 77, state: null);
        other.LoadGlobal(GlobalModelFactory.CreateInitial(seed: 23));
        other.Train(faces, plan with { Seed = 9, LearningRate = 0.5f });
    }
}
