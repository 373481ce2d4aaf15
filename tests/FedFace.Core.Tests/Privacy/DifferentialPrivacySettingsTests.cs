using FedFace.Core.Privacy;
using Microsoft.Extensions.Configuration;

namespace FedFace.Core.Tests.Privacy;

public class DifferentialPrivacySettingsTests
{
    private static DifferentialPrivacySettings Bind(Dictionary<string, string?> values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values).Build().GetSection("DifferentialPrivacy").Get<DifferentialPrivacySettings>()
        ?? new DifferentialPrivacySettings();

    [Fact]
    public void Binds_from_configuration_like_the_hosts_settings()
    {
        DifferentialPrivacySettings settings = Bind(new()
        {
            ["DifferentialPrivacy:Mode"] = "distributed",
            ["DifferentialPrivacy:NoiseMultiplier"] = "1.1",
            ["DifferentialPrivacy:ClipNorm"] = "0.5",
            ["DifferentialPrivacy:Adaptive:TargetQuantile"] = "0.6",
            ["DifferentialPrivacy:Adaptive:CountNoiseMultiplier"] = "2",
            ["DifferentialPrivacy:EpsilonBudget"] = "8",
            ["DifferentialPrivacy:Delta"] = "1e-6",
        });

        Assert.Equal(DifferentialPrivacyMode.Distributed, settings.Mode);
        Assert.Equal(1.1, settings.NoiseMultiplier);
        Assert.Equal(0.5, settings.ClipNorm);
        Assert.NotNull(settings.Adaptive);
        Assert.Equal(0.6, settings.Adaptive.TargetQuantile);
        Assert.Equal(0.2, settings.Adaptive.LearningRate); // default kept
        Assert.Equal(2, settings.Adaptive.CountNoiseMultiplier);
        Assert.Equal(new PrivacyBudget(8, 1e-6), settings.Budget());
        Assert.Empty(settings.Problems("DifferentialPrivacy"));
        Assert.Equal(AdaptiveClipping.UpdateNoiseMultiplier(1.1, 2), settings.UpdateNoiseMultiplier);
    }

    [Fact]
    public void Off_by_default_with_a_fixed_clip()
    {
        DifferentialPrivacySettings settings = Bind(new() { ["DifferentialPrivacy:ClipNorm"] = "2" });
        Assert.False(settings.Enabled);
        Assert.Null(settings.Adaptive);
        Assert.Equal(settings.NoiseMultiplier, settings.UpdateNoiseMultiplier);
        Assert.Empty(settings.Problems("DifferentialPrivacy"));
    }

    [Fact]
    public void Names_every_problem_by_its_setting()
    {
        var settings = new DifferentialPrivacySettings
        {
            Mode = DifferentialPrivacyMode.Central,
            NoiseMultiplier = 0,
            ClipNorm = -1,
            EpsilonBudget = double.PositiveInfinity,
            Delta = 1,
            Adaptive = new AdaptiveClippingSettings { TargetQuantile = 1.5, LearningRate = 0 },
        };
        string[] problems = [.. settings.Problems("Aggregator:DifferentialPrivacy")];
        Assert.Equal(6, problems.Length);
        foreach (string name in new[] { "NoiseMultiplier", "ClipNorm", "EpsilonBudget", "Delta", "Adaptive:TargetQuantile", "Adaptive:LearningRate" })
        {
            Assert.Contains(problems, p => p.StartsWith($"Aggregator:DifferentialPrivacy:{name} ", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_count_noise_that_would_eat_the_whole_budget_is_explained()
    {
        var settings = new DifferentialPrivacySettings
        {
            Mode = DifferentialPrivacyMode.Distributed,
            NoiseMultiplier = 1,
            Adaptive = new AdaptiveClippingSettings(), // CountNoiseMultiplier left unset
        };
        string problem = Assert.Single(settings.Problems("DP"));
        Assert.StartsWith("DP:Adaptive:CountNoiseMultiplier must be finite and exceed NoiseMultiplier/2 = 0.5, got 0", problem);
    }
}
