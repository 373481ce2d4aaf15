using FedFace.CommandLine;
using FedFace.Aggregator;
using FedFace.Client;
using FedFace.Core.Privacy;
using FedFace.Core.Training;
using FedFace.DevelopmentData;
using FedFace.Evaluation;
using FedFace.Learning.Training;
using FedFace.Simulator;
using Microsoft.Extensions.Configuration;

namespace FedFace.EndToEnd.Tests;

/// <summary>The simulator's settings reach the sites only through the round task, and its non-IID deal is unequal.</summary>
public sealed class SimulatorSettingsTests
{
    [Fact]
    public void Simulator_training_flags_reach_the_site_through_the_round_task()
    {
        SimulatorOptions options = Parse("--mask-probability", "0.5", "--freeze-bn", "true", "--freeze-head", "true", "--frozen-stages", "3",
            "--fedprox-mu", "0.01", "--clip-gradient", "40", "--optimizer", "adamw", "--lr", "1e-3", "--lr-floor", "1e-6", "--warmup-steps", "7",
            "--margin-kind", "cosface", "--cosface-margin", "0.1", "--scale", "30", "--weight-decay", "1e-4", "--head-from-means", "false",
            "--augment-shift", "0.1", "--augment-scale", "0.15", "--augment-rotation", "10", "--augment-color", "0.2", "--label-smoothing", "0.1",
            "--epochs", "3", "--batch-size", "16", "--max-steps", "9", "--distill", "0.5");

        TrainingPlan site = SiteTrainingPlan.For(options.Training.ToTrainingConfig(seed: 1), siteSeed: 2);

        Assert.Empty(options.Problems());
        Assert.Equal(options.Training with { Seed = 1 ^ 2, BatchNormStatistics = BatchNormStatisticsSource.Trained }, site);
        Assert.Equal((0.5f, true, true, 3), (site.MaskedFaceProbability, site.FreezeBatchNormStatistics, site.FreezeHead, site.FrozenStages));
        Assert.Equal((0.01f, 40f, OptimizerKind.AdamW), (site.FedProxMu, site.GradientClipNorm, site.Optimizer));
        Assert.Equal((1e-3f, 1e-6f, 7), (site.LearningRate, site.LearningRateFloor, site.WarmupSteps));
        Assert.Equal((MarginKind.CosFace, 0.1f, 30f), (site.MarginKind, site.Margin, site.ArcFaceScale));
        Assert.Equal((1e-4f, false, 0.1f), (site.WeightDecay, site.InitializeHeadFromMeans, site.LabelSmoothing));
        Assert.Equal((3, 16, 9, 0.5f), (site.LocalEpochs, site.BatchSize, site.MaxSteps, site.DistillationWeight));
        Assert.Equal(new FaceAugmentation { MaxShift = 0.1f, MaxScale = 0.15f, MaxRotationDegrees = 10, ColorJitter = 0.2f }, FaceAugmentation.Of(site));
        Assert.True(FaceAugmentation.Of(SiteTrainingPlan.For(Parse().Training.ToTrainingConfig(seed: 1), siteSeed: 2)).IsNone);
    }

    [Fact]
    public void Every_training_flag_is_a_short_name_for_a_key_of_the_aggregators_training_section()
    {
        string[] planKeys = typeof(TrainingPlan).GetProperties().Where(p => p.CanWrite).Select(p => $"Training:{p.Name}").ToArray();
        string[] trainingTargets = SimulatorOptions.SwitchMappings.Values.Where(v => v.StartsWith("Training:", StringComparison.Ordinal)).ToArray();

        Assert.All(trainingTargets, target => Assert.Contains(target, planKeys));
        Assert.Equal(trainingTargets.Length, trainingTargets.Distinct().Count());
        // A key without a short flag is still reachable by its full name, as the aggregator's configuration names it.
        Assert.Equal(0.7f, Parse("--Training:Momentum", "0.7").Training.Momentum);
        Assert.Equal(0.7f, BindAggregator("Aggregator:Training:Momentum", "0.7").Training.Momentum);
    }

    [Theory]
    [InlineData(false, false, true)]
    [InlineData(true, false, false)] // FedBN: the site's statistics are its own
    [InlineData(false, true, false)] // frozen: the global statistics must stay
    public void A_server_optimisers_wish_for_received_model_statistics_reaches_sites_whose_statistics_are_shared_and_trained(
        bool keepBatchNormLocal, bool freezeBatchNorm, bool reported)
    {
        var settings = new TrainingPlan { KeepBatchNormLocal = keepBatchNormLocal, FreezeBatchNormStatistics = freezeBatchNorm };

        TrainingPlan site = SiteTrainingPlan.For(settings.ToTrainingConfig(seed: 1, receivedModelStatistics: true), siteSeed: 2);

        Assert.Equal(reported, site.ReportsReceivedModelStatistics);
        site.Validate();
        Assert.False(SiteTrainingPlan.For(settings.ToTrainingConfig(seed: 1), siteSeed: 2).ReportsReceivedModelStatistics);
    }

    [Theory]
    [InlineData("auto", false, false)]
    [InlineData("auto", true, true)]
    [InlineData("received", false, true)]
    [InlineData("trained", true, false)]
    public void The_bn_statistics_flag_overrides_what_the_server_optimiser_asks_for(string flag, bool optimiserWantsReceived, bool reported)
    {
        SimulatorOptions options = Parse("--bn-statistics", flag);

        Protos.V1.TrainingConfig task = options.Training.ToTrainingConfig(seed: 1, receivedModelStatistics: optimiserWantsReceived);

        Assert.Empty(options.Problems());
        Assert.Equal(reported, task.ReportReceivedModelStatistics);
    }

    [Theory]
    [InlineData(false, MarginKind.CosFace, 0.2f, 32f, false)] // from scratch: what made E2 learn
    [InlineData(true, MarginKind.ArcFace, 0.5f, 64f, true)] // fine-tuning: centres that fit from step one
    public void The_margin_scale_and_head_defaults_follow_the_start(bool pretrained, MarginKind kind, float margin, float scale, bool headFromMeans)
    {
        SimulatorOptions options = pretrained ? Parse("--initial-model", "model.onnx") : Parse();

        TrainingPlan site = SiteTrainingPlan.For(options.Training.ToTrainingConfig(seed: 1), siteSeed: 2);

        Assert.Equal((kind, margin, scale, headFromMeans), (site.MarginKind, site.Margin, site.ArcFaceScale, site.InitializeHeadFromMeans));
        string[] start = pretrained ? ["--initial-model", "model.onnx"] : [];
        Assert.Equal(20f, Parse([.. start, "--scale", "20"]).Training.ArcFaceScale); // a flag still wins
    }

    [Fact]
    public void Average_last_may_not_reach_past_the_rounds_run()
    {
        Assert.Contains("--average-last must be between 1 and --rounds (5), got 6", Parse("--rounds", "5", "--average-last", "6").Problems());
        Assert.DoesNotContain(Parse("--rounds", "5", "--average-last", "5").Problems(), p => p.Contains("--average-last", StringComparison.Ordinal));
    }

    [Fact]
    public void Simulations_sum_in_site_order_unless_told_otherwise()
    {
        Assert.True(Parse().SumInSiteOrder);
        Assert.False(Parse("--sum-in-site-order", "false").SumInSiteOrder);
        Assert.False(new AggregatorOptions().SumInSiteOrder); // a real aggregator folds as updates arrive, in one model's memory
    }

    [Fact]
    public void Frozen_stages_is_read_from_its_flag_and_may_not_be_negative()
    {
        Assert.Equal(17, Parse("--frozen-stages", "17").Training.FrozenStages);
        Assert.Contains("--frozen-stages must be zero or positive, got -1", Parse("--frozen-stages", "-1").Problems());
    }

    [Fact]
    public void Gradient_clipping_is_read_from_its_flag_and_may_not_be_negative()
    {
        Assert.Equal(20f, Parse("--clip-gradient", "20").Training.GradientClipNorm);
        Assert.Equal(0f, Parse().Training.GradientClipNorm);
        Assert.Contains("--clip-gradient must be zero or positive, got -1", Parse("--clip-gradient", "-1").Problems());
    }

    [Fact]
    public void A_value_of_the_wrong_kind_is_refused_by_its_flag()
    {
        Assert.Equal("--bn-statistics: 'global' is not a valid value (auto, trained or received)",
            Assert.Throws<ArgumentException>(() => Parse("--bn-statistics", "global")).Message);
        Assert.StartsWith("--optimizer: 'adam' is not a valid value", Assert.Throws<ArgumentException>(() => Parse("--optimizer", "adam")).Message);
        Assert.StartsWith("--epochs: 'two' is not a valid value", Assert.Throws<ArgumentException>(() => Parse("--epochs", "two")).Message);
    }

    [Fact]
    public void The_dp_flags_become_the_aggregators_differential_privacy_settings()
    {
        SimulatorOptions options = Parse("--dp", "Central", "--dp-noise", "0.8", "--dp-clip", "0.2", "--dp-adaptive-quantile", "0.6",
            "--dp-epsilon-budget", "4", "--dp-delta", "1e-6");

        DifferentialPrivacySettings privacy = options.DifferentialPrivacySettings();

        Assert.Empty(options.Problems());
        Assert.Equal((DifferentialPrivacyMode.Central, 0.8, 0.2, 4.0, 1e-6), (privacy.Mode, privacy.NoiseMultiplier, privacy.ClipNorm, privacy.EpsilonBudget, privacy.Delta));
        Assert.Equal(0.6, privacy.Adaptive?.TargetQuantile);
        Assert.False(new SimulatorOptions().DifferentialPrivacySettings().Enabled);
        Assert.Null(Parse("--dp", "distributed").DifferentialPrivacySettings().Adaptive);
    }

    [Fact]
    public void Secure_aggregation_takes_central_and_distributed_DP_with_adaptive_clipping()
    {
        foreach (string mode in new[] { "central", "distributed" })
        {
            SimulatorOptions options = Parse("--secure-aggregation", "true", "--dp", mode, "--dp-adaptive-quantile", "0.5");

            Assert.Empty(options.Problems());
            Assert.True(options.SecureAggregationSettings().Enabled && options.DifferentialPrivacySettings().Enabled);
        }
    }

    [Fact]
    public void Dp_problems_are_reported_by_the_flag_that_set_them()
    {
        Assert.Contains("--dp must be off, central or distributed, got 'local'", Parse("--dp", "local").Problems());
        Assert.Contains(Parse("--dp", "central", "--dp-noise", "0").Problems(), p => p.StartsWith("--dp-noise must be positive", StringComparison.Ordinal));
        Assert.Contains(Parse("--dp", "central", "--dp-delta", "2").Problems(), p => p.StartsWith("--dp-delta must be in (0, 1)", StringComparison.Ordinal));
    }

    internal static SimulatorOptions Parse(params string[] args) =>
        SimulatorOptions.Read(new ConfigurationBuilder().AddCommandLine(args, SimulatorOptions.SwitchMappings).Build());

    /// <summary>The aggregator's options as its host binds them, from one configuration key.</summary>
    private static AggregatorOptions BindAggregator(string key, string value) =>
        new ConfigurationBuilder().AddInMemoryCollection([new KeyValuePair<string, string?>(key, value)]).Build()
            .GetSection(AggregatorOptions.Section).Get<AggregatorOptions>()!;

    [Fact]
    public void The_aggregator_refuses_a_mask_probability_outside_zero_to_one()
    {
        Assert.Contains("Aggregator:Training:MaskedFaceProbability must be in [0, 1], got 2", new AggregatorOptions { Training = new() { MaskedFaceProbability = 2 } }.Problems());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Sites_train_only_on_people_of_the_training_folds_and_the_scored_pairs_come_from_the_others(bool validation)
    {
        IReadOnlyList<LfwPair> pairs = LfwPairsFile.Read(SharedData.LfwPairsFile);
        var options = Parse("--validation-split", validation ? "true" : "false", "--sites", "4", "--max-people", "40", "--min-images", "2");
        FoldSplit split = FoldSplit.For(options);
        HashSet<string> scoredPeople = pairs.Where(p => split.Scoring.Contains(p.Fold)).SelectMany(p => new[] { p.Person1, p.Person2 }).ToHashSet();
        HashSet<string> trainingFoldPeople = pairs.Where(p => split.Training.Contains(p.Fold)).SelectMany(p => new[] { p.Person1, p.Person2 }).ToHashSet();

        string[] trained = LfwPartition.DealSites(pairs, options).SelectMany(site => site.Select(image => image.Person)).Distinct().ToArray();
        IReadOnlyList<LfwPair> scored = LfwPartition.ScoringPairs(pairs, split, pairsPerFold: 0);

        Assert.Equal(validation ? [4, 5] : [6, 7, 8, 9, 10], scored.Select(p => p.Fold).Distinct().Order());
        Assert.Equal(600 * split.Scoring.Length, scored.Count);
        Assert.Equal(40, trained.Length);
        Assert.All(trained, person => Assert.True(trainingFoldPeople.Contains(person) && !scoredPeople.Contains(person), person));
        // Choosing settings on the validation split never looks at the test pairs: none of its folds is one of them.
        Assert.Empty(FoldSplit.Validation.Training.Concat(FoldSplit.Validation.Scoring).Intersect(FoldSplit.Test.Scoring));
    }

    [Fact]
    public void An_unequal_deal_gives_every_site_two_people_and_the_largest_several_times_the_smallest()
    {
        int[] siteOf = SiteSizes.Deal(people: 400, sites: 8, Geometric(6), new Random(7));
        int[] sizes = Enumerable.Range(0, 8).Select(site => siteOf.Count(s => s == site)).ToArray();

        Assert.All(sizes, size => Assert.True(size >= 2));
        Assert.True(sizes.Max() >= 3 * sizes.Min(), string.Join(", ", sizes));
        Assert.Equal(siteOf, SiteSizes.Deal(400, 8, Geometric(6), new Random(7)));
    }

    private static PartitionSettings Geometric(double ratio) => new() { Sizes = "geometric", GeometricRatio = ratio };

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
        Assert.Equal([("Rounds", "3"), ("MaskedEval", "true"), ("Quick", "true")], Given("experiment", "e1", "--quick", "--rounds", "3", "--masked-eval"));
        Assert.Equal([("Quick", "false")], Given("experiment", "e1", "--quick", "false"));
    }

    [Fact]
    public void Short_flags_kebab_case_flags_and_keys_all_name_the_same_settings()
    {
        Assert.Equal([("Training:LearningRate", "0.01"), ("Training:Momentum", "0.8"), ("Aggregation:KrumSelected", "2")],
            Given("--lr", "0.01", "--training-momentum", "0.8", "--Aggregation:KrumSelected", "2"));
    }

    /// <summary>The configuration keys and values the simulator's command line gives for <paramref name="args"/>.</summary>
    private static (string Key, string? Value)[] Given(params string[] args)
    {
        SimulatorCommandLine commandLine = SimulatorCommandLine.Create();
        CommandLineOutcome parsed = commandLine.Program.Parse(args, TextWriter.Null, TextWriter.Null);
        Assert.Null(parsed.ExitCode);
        return [.. commandLine.Given(parsed).Select(pair => (pair.Key, pair.Value))];
    }

    [Fact]
    public void Secure_aggregation_reaches_the_aggregator_and_its_quorum_leaves_room_for_the_sites_made_to_vanish()
    {
        var options = new SimulatorOptions { Sites = 6, SecureAggregation = true, SecAggDropoutTolerance = 0.25, DropSites = 2, DropAt = "shares" };

        Assert.Empty(options.Problems());
        Assert.Equal(4, options.MinSites());
        Assert.True(options.SecureAggregationSettings().Enabled);
        Assert.Equal(0.25, options.SecureAggregationSettings().DropoutTolerance);
        Assert.Equal(FedFace.Core.SecureAggregation.SecAggStage.ShareKeys, SiteVanishing.StageOf(options.DropAt));
    }

    [Fact]
    public void Dropouts_without_secure_aggregation_an_unknown_stage_and_too_few_remaining_sites_are_refused_by_name()
    {
        Assert.Contains(new SimulatorOptions { DropSites = 1 }.Problems(), p => p.Contains("--secure-aggregation", StringComparison.Ordinal));
        Assert.Contains(new SimulatorOptions { SecureAggregation = true, DropSites = 1, DropAt = "later" }.Problems(), p => p.StartsWith("--drop-at", StringComparison.Ordinal));
        Assert.Contains(new SimulatorOptions { Sites = 4, SecureAggregation = true, DropSites = 2 }.Problems(), p => p.Contains("at least 3 sites", StringComparison.Ordinal));
    }
}
