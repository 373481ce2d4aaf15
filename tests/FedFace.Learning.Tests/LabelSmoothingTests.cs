using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Heads;
using FedFace.Learning.Training;
using static TorchSharp.torch;

namespace FedFace.Learning.Tests;

public sealed class LabelSmoothingTests
{
    [Fact]
    public void The_heads_loss_takes_smoothed_targets_one_minus_epsilon_on_the_true_class_and_epsilon_spread_over_all()
    {
        const double epsilon = 0.2;
        using var head = new ArcFaceHead(classCount: 3, embeddingSize: 2, seed: 1, scale: 8);
        using var scope = NewDisposeScope();
        Tensor embeddings = tensor(new float[,] { { 2, 0 }, { 1, 1 }, { 1, 0.1f } });
        Tensor labels = tensor(new long[] { 0, 1, 2 });
        float[] logProbabilities = nn.functional.log_softmax(head.call(embeddings, labels), dim: 1).data<float>().ToArray();

        double expected = 0;
        for (int sample = 0; sample < 3; sample++)
        {
            double trueClass = -logProbabilities[sample * 3 + sample];
            double allClasses = -Enumerable.Range(0, 3).Average(k => logProbabilities[sample * 3 + k]);
            expected += ((1 - epsilon) * trueClass + epsilon * allClasses) / 3;
        }

        Assert.Equal(expected, head.Loss(embeddings, labels, epsilon).item<float>(), 1e-4);
        Assert.NotEqual(head.Loss(embeddings, labels).item<float>(), head.Loss(embeddings, labels, epsilon).item<float>(), 1e-3);
    }

    [Fact]
    public void A_plans_label_smoothing_changes_what_the_site_trains()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 2, imagesPerPerson: 2);
        ModelState global = GlobalModelFactory.CreateInitial(seed: 7);
        TrainingPlan plan = TrainingPlan.Default with { InitializeHeadFromMeans = false, BatchSize = 4, MaxSteps = 1, Seed = 3 };

        (double plainLoss, ModelState plainDelta) = TrainOnce(faces, global, plan);
        (double smoothedLoss, ModelState smoothedDelta) = TrainOnce(faces, global, plan with { LabelSmoothing = 0.3f });
        (double againLoss, ModelState againDelta) = TrainOnce(faces, global, plan);

        Assert.Equal(plainLoss, againLoss); // the same plan trains the same: the difference below is the smoothing's
        Assert.Equal(plainDelta["conv1.0.weight"].Values, againDelta["conv1.0.weight"].Values);
        Assert.NotEqual(plainLoss, smoothedLoss);
        Assert.NotEqual(plainDelta["conv1.0.weight"].Values, smoothedDelta["conv1.0.weight"].Values);
    }

    [Theory]
    [InlineData(-0.1f)]
    [InlineData(1f)]
    public void A_smoothing_outside_zero_to_one_is_refused_by_name(float epsilon)
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => (TrainingPlan.Default with { LabelSmoothing = epsilon }).Validate());

        Assert.Contains("LabelSmoothing must be in [0, 1)", error.Message, StringComparison.Ordinal);
    }

    private static (double Loss, ModelState Delta) TrainOnce(FaceTrainingSet faces, ModelState global, TrainingPlan plan)
    {
        using var site = new SiteModel(faces.ClassCount, seed: 1);
        site.LoadGlobal(global);
        LocalTrainingReport report = site.Train(faces, plan);
        return (report.MeanLoss, site.ComputeDelta(global));
    }
}
