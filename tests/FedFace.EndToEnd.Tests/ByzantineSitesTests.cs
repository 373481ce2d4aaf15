using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Protos.V1;
using FedFace.Simulator;
using FedFace.Simulator.Experiments;
using Microsoft.Extensions.Configuration;

namespace FedFace.EndToEnd.Tests;

/// <summary>The simulator's byzantine sites: what their attack sends in place of the honest update, and how it is chosen.</summary>
public sealed class ByzantineSitesTests
{
    private static ModelState Delta() => new([new NamedTensor("w", [4], [1f, -2f, 0.5f, 2f]), new NamedTensor("b", [2], [0.25f, -1f])]);

    private static double Norm(ModelState state) => DeltaClipping.L2Norm(state.Tensors.Select(t => t.Values));

    [Theory]
    [InlineData("scale", 10f)]
    [InlineData("sign-flip", -10f)]
    public void A_byzantine_site_sends_its_update_scaled_with_the_hash_of_what_it_sends(string attack, float factor)
    {
        var sites = new ByzantineSites(["site-02"], new ByzantineSettings { Fraction = 0.5, Attack = attack }, seed: 1);
        ModelState honest = Delta(), sent = Delta();
        var header = new UpdateHeader { DeltaSha256 = Google.Protobuf.ByteString.CopyFrom(sent.ComputeSha256()) };

        sites.BeforeUpload("site-02", header, sent);

        Assert.Equal(honest.Tensors.SelectMany(t => t.Values).Select(v => v * factor), sent.Tensors.SelectMany(t => t.Values));
        Assert.Equal(sent.ComputeSha256(), header.DeltaSha256.ToByteArray());
    }

    [Fact]
    public void A_noise_attack_replaces_the_update_by_noise_about_ten_times_its_norm_and_honest_sites_send_theirs()
    {
        var sites = new ByzantineSites(["site-02"], new ByzantineSettings { Fraction = 0.5, Attack = "noise" }, seed: 1);
        var large = new ModelState([new NamedTensor("w", [10_000], [.. Enumerable.Range(0, 10_000).Select(i => i % 2 == 0 ? 0.01f : -0.01f)])]);
        ModelState honest = Delta();

        sites.BeforeUpload("site-02", new UpdateHeader(), large);
        sites.BeforeUpload("site-01", new UpdateHeader(), honest);

        Assert.InRange(Norm(large), 9.5, 10.5); // ‖Δ‖ = 1
        Assert.Equal(Delta().Tensors.SelectMany(t => t.Values), honest.Tensors.SelectMany(t => t.Values));
    }

    [Fact]
    public void The_switches_set_the_rule_and_the_attack_and_bad_ones_are_named()
    {
        var options = new SimulatorOptions();
        new ConfigurationBuilder().AddCommandLine(["--aggregation", "multi-krum", "--byzantine-f", "2", "--krum-m", "3", "--norm-bound", "5",
            "--byzantine-fraction", "0.2", "--byzantine-attack", "noise", "--byzantine-scale", "4"], SimulatorOptions.SwitchMappings).Build().Bind(options);

        Assert.Equal(("multi-krum", 2, 3, 5.0), (options.Aggregation.Rule, options.Aggregation.ByzantineSites, options.Aggregation.KrumSelected, options.Aggregation.NormBound));
        Assert.Equal((0.2, "noise", 4f, 2), (options.Byzantine.Fraction, options.Byzantine.Attack, options.Byzantine.Scale, options.Byzantine.CountOf(10)));
        Assert.Contains("--byzantine-attack must be scale, sign-flip or noise, got 'bribe'", new ByzantineSettings { Attack = "bribe" }.Problems());
        Assert.Contains(RobustnessMatrix.Parse("pretrained", "noise", "0,1.5", "median,krum").Problems(), p => p.StartsWith("--rules takes", StringComparison.Ordinal));
        Assert.Contains("--fractions takes shares in [0, 1) such as 0,0.1,0.2, got 1.5", RobustnessMatrix.Parse(null, null, "1.5", null).Problems());
    }
}
