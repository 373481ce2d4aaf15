using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Backbones;
using FedFace.Learning.Training;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FedFace.Learning.Tests;

public sealed class IResNetTests(ITestOutputHelper output)
{
    [Fact]
    public void IResNet18_maps_faces_to_512_floats_with_insightfaces_parameter_count()
    {
        using FaceBackbone net = BackboneArchitecture.IResNet18.Create(seed: 1);
        net.eval();
        using DisposeScope scope = NewDisposeScope();

        Tensor embeddings = net.call(randn(2, 3, FaceBackbone.InputSize, FaceBackbone.InputSize));

        Assert.Equal(new long[] { 2, 512 }, embeddings.shape);
        long parameters = net.parameters().Sum(p => p.numel());
        output.WriteLine($"iresnet18: {parameters:N0} parameters");
        // insightface's iresnet18 at 112x112: 24,025,600 (of which the 25,088 → 512 fully connected layer is 12.8M).
        Assert.Equal(24_025_600, parameters);
    }

    [Fact]
    public void A_model_state_names_its_architecture()
    {
        foreach (BackboneArchitecture architecture in new[] { BackboneArchitecture.MobileFaceNet, BackboneArchitecture.IResNet18, BackboneArchitecture.IResNet50 })
        {
            Assert.Same(architecture, BackboneArchitecture.Of(GlobalModelFactory.CreateInitial(seed: 1, architecture)));
        }
        Assert.Same(BackboneArchitecture.IResNet34, BackboneArchitecture.Parse(" IResNet34 "));
    }

    [Fact]
    public void An_unknown_state_or_name_is_refused_with_what_was_expected()
    {
        ModelState truncated = new(GlobalModelFactory.CreateInitial(seed: 1, BackboneArchitecture.IResNet18).Tensors
            .Where(t => !t.Name.StartsWith("layer2.1.", StringComparison.Ordinal)));
        var depth = Assert.Throws<ArgumentException>(() => BackboneArchitecture.Of(truncated));
        Assert.Contains("[2, 1, 2, 2]", depth.Message);

        var foreign = Assert.Throws<ArgumentException>(() => BackboneArchitecture.Of(new ModelState([new NamedTensor("fc.weight", [2, 2], new float[4])])));
        Assert.Contains("no known backbone", foreign.Message);
        var name = Assert.Throws<ArgumentException>(() => BackboneArchitecture.Parse("resnet18"));
        Assert.Contains("iresnet18", name.Message);
    }

    [Fact]
    public void A_site_trains_an_IResNet_and_leaves_the_fixed_embedding_scale_alone()
    {
        FaceTrainingSet faces = OrlFaces.Load(people: 4, imagesPerPerson: 4);
        ModelState global = GlobalModelFactory.CreateInitial(seed: 7, BackboneArchitecture.IResNet18);
        using var site = new SiteModel(faces.ClassCount, seed: 1, BackboneArchitecture.Of(global));
        site.LoadGlobal(global);

        LocalTrainingReport report = site.Train(faces, TrainingPlan.Default with { LocalEpochs = 3, BatchSize = 8, LearningRate = 0.05f, Seed = 3 });
        ModelState delta = site.ComputeDelta(global);

        output.WriteLine($"{report}");
        Assert.True(report.LastEpochLoss < report.FirstEpochLoss, $"loss went from {report.FirstEpochLoss} to {report.LastEpochLoss}");
        Assert.All(delta["features.weight"].Values, v => Assert.Equal(0f, v));
        Assert.Contains(delta["fc.weight"].Values, v => v != 0f);
    }
}
