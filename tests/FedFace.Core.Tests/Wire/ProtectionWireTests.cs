using FedFace.Core.Privacy;
using FedFace.Core.Security;
using FedFace.Protocol;
using FedFace.Protos.V1;

namespace FedFace.Core.Tests.Wire;

/// <summary>The round task's privacy fields and the model header's signature say on the wire exactly what the domain objects say.</summary>
public sealed class ProtectionWireTests
{
    [Fact]
    public void A_distributed_round_plan_reaches_the_site_as_the_same_instructions()
    {
        var step = new DpAggregationStep(new DifferentialPrivacySettings
        {
            Mode = DifferentialPrivacyMode.Distributed, NoiseMultiplier = 1.2, ClipNorm = 0.8,
            Adaptive = new AdaptiveClippingSettings { CountNoiseMultiplier = 1.5 },
        });
        DpRoundPlan plan = step.PlanRound(clipNorm: 0.7, eligibleSites: 10, sampledSites: 5, minimumSurvivors: 4);
        var task = new RoundTask { Round = 3, Privacy = PrivacyWire.ToWire(plan) };

        Assert.Equal(DifferentialPrivacyMode.Distributed, PrivacyWire.ModeOf(task));
        Assert.Equal(plan.SiteInstructions, PrivacyWire.SiteInstructionsOf(task));
    }

    [Fact]
    public void A_task_from_an_older_aggregator_has_no_differential_privacy_and_plain_aggregation()
    {
        var task = new RoundTask { Round = 1 };

        Assert.Equal(DifferentialPrivacyMode.Off, PrivacyWire.ModeOf(task));
        Assert.Null(PrivacyWire.SiteInstructionsOf(task));
        Assert.Equal(AggregationMode.Plain, PrivacyWire.AggregationOf(task));
        Assert.Null(PrivacyWire.SiteInstructionsOf(new RoundTask { Privacy = PrivacyWire.Off }));
    }

    [Fact]
    public void An_unknown_privacy_mode_is_refused_by_name()
    {
        var task = new RoundTask { Round = 4, Privacy = new DifferentialPrivacyInstructions { Mode = (DpMode)9 } };

        InvalidDataException error = Assert.Throws<InvalidDataException>(() => PrivacyWire.ModeOf(task));
        Assert.Equal("round 4 asks for an unknown differential privacy mode 9", error.Message);
    }

    [Fact]
    public void A_model_signature_crosses_the_wire_field_for_field()
    {
        var signature = new ModelSignature("FedFace", 7, 9, [.. Enumerable.Range(0, 32).Select(i => (byte)i)], [.. Enumerable.Range(0, 64).Select(i => (byte)(i * 3))], [1, 2, 3]);

        ModelSignature back = ModelSignatureWire.FromWire(ModelSignatureWire.ToWire(signature))!;

        Assert.Equal((signature.FederationName, signature.ModelVersion, signature.Round), (back.FederationName, back.ModelVersion, back.Round));
        Assert.Equal(signature.ModelSha256, back.ModelSha256);
        Assert.Equal(signature.Signature, back.Signature);
        Assert.Equal(signature.SignerCertificate, back.SignerCertificate);
        Assert.Null(ModelSignatureWire.FromWire(new ModelHeader().Signature));
    }
}
