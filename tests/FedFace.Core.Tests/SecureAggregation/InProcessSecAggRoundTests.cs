using FedFace.Core.SecureAggregation;
using FedFace.Testing;

namespace FedFace.Core.Tests.SecureAggregation;

public class InProcessSecAggRoundTests
{
    [Fact]
    public void Without_dropouts_the_result_is_exactly_the_sum_of_every_weighted_input()
    {
        using var federation = new TestFederation(5);
        RoundConfiguration round = federation.Round();
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed: 1);
        SecAggRoundReport report = federation.InProcess(round).Run(site => inputs[site]);
        AssertExactSum(round, inputs, round.SiteIds, report.Result);
        Assert.Empty(report.Refusals);
        Assert.Empty(report.Rejections);
    }

    [Theory]
    [InlineData(SecAggStage.AdvertiseKeys)] // never answered
    [InlineData(SecAggStage.ShareKeys)]     // dropped after advertising keys
    [InlineData(SecAggStage.MaskedInput)]   // dropped after sharing keys: its mask key is rebuilt
    [InlineData(SecAggStage.ConsistencyCheck)] // dropped after sending its masked input, before signing: still in the sum
    [InlineData(SecAggStage.Unmask)]        // dropped after signing the survivor set: still in the sum
    public void Sites_dropping_at_a_stage_leave_exactly_the_survivors_sum(SecAggStage stage)
    {
        using var federation = new TestFederation(9);
        RoundConfiguration round = federation.Round(); // complete graph, t = 5
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed: (int)stage + 10);
        var runner = federation.InProcess(round);
        string[] dropping = ["site-02", "site-05", "site-09"];
        foreach (string site in dropping) runner.Dropouts[site] = stage;
        var asked = new List<string>();
        SecAggRoundReport report = runner.Run(site => { lock (asked) asked.Add(site); return inputs[site]; });

        string[] contributors = stage >= SecAggStage.ConsistencyCheck ? round.SiteIds.ToArray() : [.. round.SiteIds.Except(dropping)];
        AssertExactSum(round, inputs, contributors, report.Result);
        Assert.Equal(contributors, asked.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Thirty_percent_dropout_spread_over_every_stage_on_a_sparse_graph_still_gives_the_exact_sum()
    {
        using var federation = new TestFederation(30);
        RoundConfiguration drawn = federation.Round(settings: new SecAggSettings { NeighbourCount = 16, CoordinateBound = 0.5, MaxWeightPerSite = 100 });
        // k = 16 at 30% dropout is below what NeighbourhoodRule would choose: on about a quarter of random graphs some site keeps fewer
        // than t neighbours and the round (rightly) aborts. A fixed graph keeps this test about the exact sum, not the luck of the draw.
        RoundConfiguration round = new(drawn.RoundId, drawn.SiteIds, drawn.NeighbourCount, drawn.Threshold, graphSeed: new byte[RoundConfiguration.SeedBytes],
            drawn.VectorLength, drawn.ClipNorm, drawn.CoordinateBound, drawn.MaxWeightPerSite);
        Assert.Equal(9, round.Threshold);
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed: 30);
        var runner = federation.InProcess(round);
        SecAggStage[] stages = [SecAggStage.AdvertiseKeys, SecAggStage.ShareKeys, SecAggStage.MaskedInput, SecAggStage.ConsistencyCheck, SecAggStage.Unmask];
        List<string> dropping = DropoutsKeepingThreshold(round, 9, new Random(30));
        for (int i = 0; i < dropping.Count; i++) runner.Dropouts[dropping[i]] = stages[i % stages.Length];

        SecAggRoundReport report = runner.Run(site => inputs[site]);
        string[] expected = [.. round.SiteIds.Where(s => !runner.Dropouts.TryGetValue(s, out SecAggStage at) || at >= SecAggStage.ConsistencyCheck)];
        AssertExactSum(round, inputs, expected, report.Result);
    }

    [Theory]
    [InlineData(1, 0)]  // complete graph
    [InlineData(2, 0)]
    [InlineData(3, 10)] // sparse graph, k = 10
    [InlineData(4, 10)]
    public void Random_dropouts_at_every_stage_give_the_exact_sum_with_the_server_unmasking_on_several_threads(int seed, int neighbourCount)
    {
        using var federation = new TestFederation(24);
        var settings = new SecAggSettings { NeighbourCount = neighbourCount == 0 ? null : neighbourCount, CoordinateBound = 0.5, MaxWeightPerSite = 100 };
        RoundConfiguration round = federation.Round(vectorLength: MaskExpander.SegmentWords + 77, settings: settings);
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed);
        var runner = new InProcessSecAggRound(round, federation.KeyRing, federation.Signers, new MaskExpander(1), serverMasks: new MaskExpander(3));
        var random = new Random(seed);
        SecAggStage[] stages = [SecAggStage.AdvertiseKeys, SecAggStage.ShareKeys, SecAggStage.MaskedInput, SecAggStage.ConsistencyCheck, SecAggStage.Unmask];
        foreach (string site in DropoutsKeepingThreshold(round, random.Next(3, 8), random)) runner.Dropouts[site] = stages[random.Next(stages.Length)];

        SecAggRoundReport report = runner.Run(site => inputs[site]);

        string[] contributors = [.. round.SiteIds.Where(s => !runner.Dropouts.TryGetValue(s, out SecAggStage at) || at >= SecAggStage.ConsistencyCheck)];
        AssertExactSum(round, inputs, contributors, report.Result);
        // The masks removed are exactly those the protocol requires, counted the straightforward way on the graph.
        string[] sharedThenDropped = [.. runner.Dropouts.Where(d => d.Value == SecAggStage.MaskedInput).Select(d => d.Key)];
        int pairwise = sharedThenDropped.Sum(d => round.Graph.NeighboursOf(d).Count(contributors.Contains));
        UnmaskCosts costs = Assert.IsType<UnmaskCosts>(runner.Server.UnmaskCosts);
        Assert.Equal((contributors.Length, pairwise), (costs.SelfMasks, costs.PairwiseMasks));
        Assert.Equal((long)(contributors.Length + pairwise) * round.MaskedLength * sizeof(uint), costs.KeystreamBytes);
        Assert.Equal(3, costs.Threads);
    }

    [Fact]
    public void Traffic_is_counted_per_site_and_stage_and_the_masked_input_is_four_bytes_a_word()
    {
        using var federation = new TestFederation(4);
        RoundConfiguration round = federation.Round(vectorLength: 1000);
        Dictionary<string, uint[]> inputs = TestFederation.EncodedInputs(round, seed: 2);
        SecAggRoundReport report = federation.InProcess(round).Run(site => inputs[site]);
        StageCost masked = report.SiteCosts[("site-01", SecAggStage.MaskedInput)];
        Assert.InRange(masked.BytesSent, 4 * round.MaskedLength, 4 * round.MaskedLength + 200);
        Assert.True(report.BytesSentBy("site-01") > masked.BytesSent);
        Assert.All(new[] { SecAggStage.AdvertiseKeys, SecAggStage.ShareKeys, SecAggStage.MaskedInput, SecAggStage.Unmask },
            stage => Assert.True(report.ServerSeconds[stage] >= 0));
    }

    [Fact]
    public void Decoded_weighted_mean_matches_plain_fedavg_within_the_error_bound()
    {
        using var federation = new TestFederation(6);
        RoundConfiguration round = federation.Round(vectorLength: 200);
        var quantizer = new InputQuantizer(round);
        var random = new Random(8);
        var deltas = round.SiteIds.ToDictionary(s => s, _ => Enumerable.Range(0, 200).Select(_ => (random.NextSingle() - 0.5f) * 0.6f).ToArray());
        var weights = round.SiteIds.ToDictionary(s => s, _ => random.Next(1, 101));
        SecAggRoundReport report = federation.InProcess(round).Run(site => quantizer.Encode(deltas[site], weights[site]));

        float[] mean = report.Result.WeightedMean();
        double total = weights.Values.Sum();
        for (int i = 0; i < mean.Length; i++)
        {
            double plain = round.SiteIds.Sum(s => weights[s] * (double)deltas[s][i]) / total;
            Assert.True(Math.Abs(mean[i] - plain) <= round.ErrorBound + 1e-7, $"[{i}] {mean[i]} vs {plain}");
        }
    }

    /// <summary>Up to <paramref name="count"/> sites to drop, but never so many around one site that fewer than t of its
    /// neighbours are left to reveal its shares: the graph is drawn from a fresh seed each run, so a blind draw could
    /// legitimately abort.</summary>
    private static List<string> DropoutsKeepingThreshold(RoundConfiguration round, int count, Random random)
    {
        var dropping = new List<string>();
        foreach (string candidate in round.SiteIds.OrderBy(_ => random.Next()))
        {
            if (dropping.Count < count && round.SiteIds.All(site =>
                round.Graph.NeighboursOf(site).Count(n => n != candidate && !dropping.Contains(n)) >= round.Threshold))
            {
                dropping.Add(candidate);
            }
        }
        Assert.Equal(count, dropping.Count);
        return dropping;
    }

    private static void AssertExactSum(RoundConfiguration round, Dictionary<string, uint[]> inputs, IEnumerable<string> contributors, SecAggResult result)
    {
        string[] expected = [.. contributors.Order(StringComparer.Ordinal)];
        Assert.Equal(expected, result.Contributors);
        uint[] sum = TestFederation.SumOf(inputs, expected);
        int[] levels = [.. sum.Select(w => unchecked((int)w))];
        Assert.Equal(levels[..^1], result.QuantizedWeightedSum);
        Assert.Equal(levels[^1], result.TotalWeight);
        Assert.Equal(round.VectorLength, result.WeightedSum.Length);
    }
}
