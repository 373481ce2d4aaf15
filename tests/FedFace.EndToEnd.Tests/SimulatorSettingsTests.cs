using FedFace.Aggregator;
using FedFace.Client;
using FedFace.Learning.Training;
using FedFace.Simulator;

namespace FedFace.EndToEnd.Tests;

/// <summary>The simulator's settings reach the sites only through the round task, and its non-IID deal is unequal.</summary>
public sealed class SimulatorSettingsTests
{
    [Fact]
    public void Simulator_training_settings_reach_the_site_through_the_round_task()
    {
        var options = new SimulatorOptions
        {
            MaskProbability = 0.5f, FreezeBatchNorm = true, FedProxMu = 0.01f, Optimizer = "adamw",
            LearningRate = 1e-3f, LearningRateFloor = 1e-6f, WarmupSteps = 7,
        };

        LocalTrainingOptions site = SiteAgent.TrainingOptionsFor(options.TrainingSettings().ToTrainingConfig(seed: 1), siteSeed: 2);

        Assert.Equal(0.5f, site.MaskedFaceProbability);
        Assert.True(site.FreezeBatchNormStatistics);
        Assert.Equal(0.01f, site.FedProxMu);
        Assert.Equal(OptimizerKind.AdamW, site.Optimizer);
        Assert.Equal((1e-3f, 1e-6f, 7), (site.LearningRate, site.LearningRateFloor, site.WarmupSteps));
    }

    [Fact]
    public void The_aggregator_refuses_a_mask_probability_outside_zero_to_one()
    {
        Assert.Contains(new LocalTrainingSettings { MaskedFaceProbability = 2 }.Problems("Training"), p => p.Contains("MaskedFaceProbability"));
    }

    [Fact]
    public void An_unequal_deal_gives_every_site_two_people_and_the_largest_several_times_the_smallest()
    {
        int[] siteOf = LfwPartition.UnequalDeal(people: 400, sites: 8, ratio: 6, new Random(7));
        int[] sizes = Enumerable.Range(0, 8).Select(site => siteOf.Count(s => s == site)).ToArray();

        Assert.All(sizes, size => Assert.True(size >= 2));
        Assert.True(sizes.Max() >= 3 * sizes.Min(), string.Join(", ", sizes));
        Assert.Equal(siteOf, LfwPartition.UnequalDeal(400, 8, 6, new Random(7)));
    }

    [Fact]
    public void Auto_normalisation_is_imagenet_for_the_pretrained_start_and_symmetric_for_a_random_one()
    {
        Assert.Equal("symmetric", new SimulatorOptions().EffectiveNormalization);
        Assert.Equal("imagenet", new SimulatorOptions { InitialModel = "model.onnx" }.EffectiveNormalization);
        Assert.Equal("symmetric", new SimulatorOptions { InitialModel = "model.onnx", Normalization = "symmetric" }.EffectiveNormalization);
    }

    [Fact]
    public void A_bare_on_off_switch_gets_the_value_true()
    {
        Assert.Equal(["--quick", "true", "--rounds", "3", "--masked-eval", "true"],
            CommandLineFlags.WithValues(["--quick", "--rounds", "3", "--masked-eval"], ["--quick", "--masked-eval"]));
        Assert.Equal(["--quick", "false"], CommandLineFlags.WithValues(["--quick", "false"], ["--quick"]));
    }
}
