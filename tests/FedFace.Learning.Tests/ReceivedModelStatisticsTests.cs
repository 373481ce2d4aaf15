using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Training;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

/// <summary>Sites asked for the received model's BatchNorm statistics (for a server optimiser) report those, and still train.</summary>
public sealed class ReceivedModelStatisticsTests
{
    private static readonly ModelState s_global = GlobalModelFactory.CreateInitial(seed: 21);
    private static readonly FaceTrainingSet s_faces = OrlFaces.Load(people: 4, imagesPerPerson: 5);
    private static readonly TrainingPlan s_options = TrainingPlan.Default with { LocalEpochs = 1, BatchSize = 8, LearningRate = 0.05f, Seed = 3 };

    [Fact]
    public void The_reported_statistics_are_those_of_the_received_weights_over_all_the_sites_faces_and_the_weights_still_train()
    {
        ModelState measured = StatisticsOfReceivedModel();
        ModelState trainedDefault = Trained(s_options);

        ModelState reported = Trained(s_options with { BatchNormStatistics = BatchNormStatisticsSource.Received });

        foreach (NamedTensor tensor in reported.Tensors.Where(t => TensorRoles.IsRunningStatistic(t.Name)))
        {
            Assert.Equal(measured[tensor.Name].Values, tensor.Values);
        }
        // The weights train as usual.
        Assert.Contains(reported.Tensors, t => !TensorRoles.IsRunningStatistic(t.Name) && !t.Values.SequenceEqual(s_global[t.Name].Values));
        // A fresh network's statistics (μ = 0, σ² = 1) are not what real faces give, nor what training leaves behind.
        Assert.Contains(measured.Tensors, t => TensorRoles.IsRunningStatistic(t.Name) && !t.Values.SequenceEqual(s_global[t.Name].Values));
        Assert.Contains(measured.Tensors, t => TensorRoles.IsRunningStatistic(t.Name) && !t.Values.SequenceEqual(trainedDefault[t.Name].Values));
    }

    [Fact]
    public void The_measured_mean_of_the_first_BatchNorm_is_the_mean_of_its_input_over_the_faces()
    {
        // conv1.1 normalises conv1.0's output; 20 faces make one measuring batch, so its mean is exactly the mean over them.
        Assert.True(s_faces.ImageCount <= 64);
        ModelState measured = StatisticsOfReceivedModel();
        float[] convolved = FirstConvolutionChannelMeans();
        float[] mean = measured["conv1.1.running_mean"].Values;
        for (int channel = 0; channel < mean.Length; channel++)
        {
            Assert.Equal(convolved[channel], mean[channel], tolerance: 1e-4f);
        }
    }

    [Fact]
    public void It_is_ignored_under_FedBN_or_frozen_statistics()
    {
        TrainingPlan received = s_options with { BatchNormStatistics = BatchNormStatisticsSource.Received };
        Assert.True(received.ReportsReceivedModelStatistics);
        Assert.False((received with { KeepBatchNormLocal = true }).ReportsReceivedModelStatistics);
        Assert.False((received with { FreezeBatchNormStatistics = true }).ReportsReceivedModelStatistics);
    }

    private static ModelState Trained(TrainingPlan options)
    {
        using var site = new SiteModel(s_faces.ClassCount, seed: 1);
        site.LoadGlobal(s_global);
        site.Train(s_faces, options);
        return site.ExportBackbone();
    }

    private static ModelState StatisticsOfReceivedModel()
    {
        using var site = new SiteModel(s_faces.ClassCount, seed: 1);
        site.LoadGlobal(s_global);
        using SiteModel.ReceivedStatistics _ = site.MeasureBatchNormStatistics(s_faces);
        return site.ExportBackbone();
    }

    /// <summary>The first convolution's output per channel, averaged over every face and position.</summary>
    private static float[] FirstConvolutionChannelMeans()
    {
        using var site = new SiteModel(s_faces.ClassCount, seed: 1);
        site.LoadGlobal(s_global);
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var noGrad = TorchSharp.torch.no_grad();
        var firstConvolution = (TorchSharp.Modules.Conv2d)site.Backbone.named_modules().Single(m => m.name == "conv1.0").module;
        var output = firstConvolution.call(FaceBatch.ToTensor(s_faces.Pixels, s_faces.ImageCount));
        return output.mean([0L, 2L, 3L]).data<float>().ToArray();
    }
}
