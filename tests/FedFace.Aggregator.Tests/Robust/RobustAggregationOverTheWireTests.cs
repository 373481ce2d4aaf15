using FedFace.Aggregator.Strategies.Robust;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Protos.V1;
using Xunit.Abstractions;

namespace FedFace.Aggregator.Tests.Robust;

/// <summary>
/// A plain round over the real wire with four honest sites and one that sends their common step sign-flipped and ×10:
/// FedAvg's committed model is dragged the wrong way; the robust rules' stays by the honest step.
/// </summary>
[Collection(AggregatorCollection.Name)]
public sealed class RobustAggregationOverTheWireTests(TestFederation federation, ITestOutputHelper output)
{
    private const long Examples = 18;
    private static readonly string[] Honest = ["site-01", "site-02", "site-03", "site-04"];
    private const string Byzantine = "site-05";

    [Theory]
    [InlineData("fedavg", false)]
    [InlineData("median", true)]
    [InlineData("trimmed-mean", true)]
    [InlineData("multi-krum", true)]
    public async Task One_sign_flipped_site_scaled_ten_times_drags_FedAvgs_model_far_and_a_robust_rules_not(string rule, bool robust)
    {
        var log = new CapturedLog(output);
        ModelState initial = TestModels.Small(seed: 31);
        string workspace = federation.Workspace($"robust-{rule}");
        await using RunningAggregator aggregator = await RunningAggregator.StartAsync(
            new AggregatorSetup(federation.Pki, Path.Combine(workspace, "state"), TestFederation.WriteInitialModel(workspace, initial))
            {
                MinSites = 5, // multi-krum with f = 1 needs 2f + 3
                TotalRounds = 1,
                RoundDeadlineSeconds = 60, // every sampled site answers, so the round closes at once
                PreJoinedSites = [.. Honest, Byzantine],
                MaxModelChangeRatio = 1e6, // let FedAvg commit what it made, to measure how far it moved
                Aggregation = new AggregationSettings { Rule = rule, ByzantineSites = 1 },
            }, log);
        ModelState step = TestModels.DeltaFor("honest-direction", 1, initial);
        SyntheticSite[] sites = [.. Honest.Append(Byzantine).Select(id => new SyntheticSite(id, federation.Pki, aggregator.Uri, log.Factory(), Examples))];
        try
        {
            RoundTask task = await sites[0].NextTaskAsync().WaitAsync(Eventually.Patience);
            foreach (SyntheticSite site in sites)
            {
                // Honest sites: the common step plus their own noise of a fifth of its size; the attacker: −10 × the step.
                ModelState delta = site.SiteId == Byzantine
                    ? Combine(step, -10f, step, 0f)
                    : Combine(step, 1f, TestModels.DeltaFor(site.SiteId, 1, initial), 0.2f);
                UploadReply reply = await site.UploadAsync(site.HeaderFor(task, delta), delta).WaitAsync(Eventually.Patience);
                Assert.True(reply.Accepted, $"{site.SiteId}: {reply.Rejection}: {reply.Reason}");
            }

            FinishedRound finished = await aggregator.Rounds.WaitForRoundAsync(1);

            Assert.True(finished.Summary.Committed, finished.Summary.Outcome);
            double stepNorm = Norm(step);
            double offHonestStep = Norm(Combine(finished.GlobalModel.Minus(initial), 1f, step, -1f));
            output.WriteLine($"{rule}: committed step is {offHonestStep / stepNorm:F3} × the honest step's norm away from it");
            if (robust)
            {
                Assert.True(offHonestStep < 0.5 * stepNorm, $"{rule} moved {offHonestStep:G4} off the honest step (norm {stepNorm:G4})");
                Assert.Contains($", {rule} of 5 updates", finished.Summary.Outcome, StringComparison.Ordinal);
            }
            else
            {
                Assert.True(offHonestStep > 2 * stepNorm, $"FedAvg moved only {offHonestStep:G4} off the honest step (norm {stepNorm:G4})");
            }
        }
        finally
        {
            Array.ForEach(sites, s => s.Dispose());
        }
    }

    private static ModelState Combine(ModelState a, float wa, ModelState b, float wb) =>
        new(a.Tensors.Select(t => new NamedTensor(t.Name, (long[])t.Shape.Clone(), [.. t.Values.Zip(b[t.Name].Values, (x, y) => wa * x + wb * y)])));

    private static double Norm(ModelState state) => DeltaClipping.L2Norm(state.Tensors.Select(t => t.Values));
}
