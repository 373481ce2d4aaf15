namespace FedFace.Aggregator.Tests.Kit;

/// <summary>Rounds that synthetic sites take part in as the edge client does (metrics, then the update), each until it commits.</summary>
public static class CommittedRounds
{
    /// <summary>Joins <paramref name="sites"/>, then runs rounds 1 to <paramref name="rounds"/> with all of them.</summary>
    public static async Task RunAsync(RunningAggregator aggregator, long rounds, params SyntheticSite[] sites)
    {
        await Task.WhenAll(sites.Select(site => site.JoinAsync())).WaitAsync(Eventually.Patience);
        for (long round = 1; round <= rounds; round++)
        {
            await RunOneAsync(aggregator, round, sites);
        }
    }

    /// <summary>Round <paramref name="round"/> with every one of the (joined) <paramref name="sites"/>; fails unless it commits.</summary>
    public static async Task RunOneAsync(RunningAggregator aggregator, long round, params SyntheticSite[] sites)
    {
        await Task.WhenAll(sites.Select(site => site.TakePartAsync(round))).WaitAsync(Eventually.Patience);
        Assert.True((await aggregator.Rounds.WaitForRoundAsync(round)).Summary.Committed, $"round {round} did not commit");
    }
}
