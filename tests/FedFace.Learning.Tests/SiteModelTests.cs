using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Training;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FedFace.Learning.Tests;

public sealed class SiteModelTests(ITestOutputHelper output)
{
    private static readonly TrainingPlan s_options = TrainingPlan.Default with
    {
        LocalEpochs = 4, BatchSize = 16, LearningRate = 0.1f, Momentum = 0.9f, WeightDecay = 5e-4f, Seed = 42,
    };

    [Fact]
    public void A_short_run_on_real_faces_lowers_the_loss()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 8, imagesPerPerson: 4);
        using var site = new SiteModel(faces.ClassCount, seed: 1);
        site.LoadGlobal(GlobalModelFactory.CreateInitial(seed: 7));

        LocalTrainingReport report = site.Train(faces, s_options);

        output.WriteLine($"{report} → {report.ImagesPerSecond:F1} images/s, {get_num_threads()} torch threads");
        Assert.Equal(8, report.Steps);           // 32 faces in batches of 16, 4 epochs
        Assert.Equal(128, report.Examples);
        Assert.True(report.LastEpochLoss < report.FirstEpochLoss, $"loss went from {report.FirstEpochLoss} to {report.LastEpochLoss}");
    }

    [Fact]
    public void Training_reports_the_share_of_faces_the_head_ranked_first()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 8, imagesPerPerson: 4);
        // The pretrained backbone: a random one maps every face to nearly the same embedding, so any head ranks one class first.
        ModelState global = Onnx.MobileFaceNetOnnx.Import(FedFace.DevelopmentData.SharedData.MobileFaceNetOnnx);
        using var randomHead = new SiteModel(faces.ClassCount, seed: 1);
        using var meanHead = new SiteModel(faces.ClassCount, seed: 1);
        randomHead.LoadGlobal(global);
        meanHead.LoadGlobal(global);
        meanHead.InitializeHeadFromMeans(faces);
        // A step too small to move anything: the accuracy is the starting head's.
        TrainingPlan still = s_options with { LocalEpochs = 1, LearningRate = 1e-9f, LearningRateFloor = 0, Momentum = 0, InitializeHeadFromMeans = false };

        double random = randomHead.Train(faces, still).Accuracy!.Value, initialised = meanHead.Train(faces, still).Accuracy!.Value;

        output.WriteLine($"training accuracy: random head {random:P1}, mean-embedding head {initialised:P1} (8 people)");
        Assert.InRange(random, 0, 0.5);
        Assert.True(initialised > random + 0.25, $"mean-embedding head {initialised:P1} vs random head {random:P1}");
    }

    [Fact]
    public void The_exported_backbone_carries_no_head_tensor()
    {
        const int classes = 37; // a count no backbone layer has, so a head-shaped tensor would stand out
        using var site = new SiteModel(classes, seed: 1);
        ModelState exported = site.ExportBackbone();
        ModelState backboneOnly = GlobalModelFactory.CreateInitial(seed: 1);

        ModelState delta = site.ComputeDelta(backboneOnly); // what SiteAgent uploads
        foreach (ModelState upload in new[] { exported, delta })
        {
            Assert.Equal(backboneOnly.Tensors.Select(t => t.Name), upload.Tensors.Select(t => t.Name));
            Assert.DoesNotContain(upload.Tensors, t => t.Shape.Contains(classes));
            Assert.DoesNotContain(upload.Tensors, t => t.Name.Contains("head", StringComparison.OrdinalIgnoreCase));
        }
    }

    [Fact]
    public void FedProx_keeps_the_trained_backbone_closer_to_the_global_model()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 2);
        ModelState global = GlobalModelFactory.CreateInitial(seed: 7);
        // Two steps: the proximal gradient is zero at the first (w = w_global) and acts at the second.
        var options = s_options with { LocalEpochs = 2, BatchSize = 4, LearningRateFloor = 0.1f };

        double Drift(float mu)
        {
            using var site = new SiteModel(faces.ClassCount, seed: 1);
            site.LoadGlobal(global);
            site.Train(faces, options with { FedProxMu = mu });
            // Over the parameters FedProx acts on; the BatchNorm running statistics are not trained by gradients.
            return site.ComputeDelta(global).Tensors.Where(t => !t.Name.Contains(".running_", StringComparison.Ordinal))
                .Sum(t => t.Values.Sum(v => (double)v * v));
        }

        double plain = Drift(0), proximal = Drift(2);
        output.WriteLine($"squared distance from the global model after 2 steps: plain {plain:G4}, FedProx μ = 2: {proximal:G4}");
        Assert.True(proximal < plain, $"FedProx {proximal} vs plain {plain}");
    }

    [Fact]
    public void LoadGlobal_replaces_the_backbone_exactly_and_keeps_the_head()
    {
        using var site = new SiteModel(classCount: 5, seed: 1);
        float[] headBefore = site.Head.Weight.data<float>().ToArray();
        ModelState global = GlobalModelFactory.CreateInitial(seed: 99);

        site.LoadGlobal(global);

        Assert.Equal(global.ComputeSha256Hex(), site.ExportBackbone().ComputeSha256Hex());
        Assert.Equal(headBefore, site.Head.Weight.data<float>().ToArray());
    }

    [Fact]
    public void MaxSteps_caps_the_run_and_no_image_trains_alone()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 3); // 6 faces, batches of up to 5: two of 3, not 5 + 1
        using var site = new SiteModel(faces.ClassCount, seed: 1);

        LocalTrainingReport capped = site.Train(faces, s_options with { LocalEpochs = 3, BatchSize = 5, MaxSteps = 2 });

        Assert.Equal(2, capped.Steps);
        Assert.Equal(6, capped.Examples); // one epoch of two batches of 3, then the cap
    }

    [Fact]
    public void Train_refuses_a_data_set_with_another_class_count_and_honours_cancellation()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 2);
        using var site = new SiteModel(classCount: 3, seed: 1);
        Assert.Throws<ArgumentException>(() => site.Train(faces, s_options));

        using var matching = new SiteModel(classCount: 2, seed: 1);
        Assert.Throws<OperationCanceledException>(() => matching.Train(faces, s_options, new CancellationToken(canceled: true)));
    }

    [Fact]
    public void The_initial_global_model_depends_on_the_seed_only()
    {
        Assert.Equal(GlobalModelFactory.CreateInitial(3).ComputeSha256Hex(), GlobalModelFactory.CreateInitial(3).ComputeSha256Hex());
        Assert.NotEqual(GlobalModelFactory.CreateInitial(3).ComputeSha256Hex(), GlobalModelFactory.CreateInitial(4).ComputeSha256Hex());
    }
}
