using FedFace.Aggregator.Collection;
using FedFace.Aggregator.Sites;
using FedFace.Aggregator.Strategies;
using FedFace.Core.Aggregation;
using FedFace.Protocol;
using FedFace.Protos.V1;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Rounds;

/// <summary>
/// Opens the next round: samples the live sites, fixes its aggregation and privacy plan and its training plan, and
/// readies its collection; the round is not yet visible to sites.
/// </summary>
public sealed class RoundConfigurator(SiteRegistry sites, SiteSampler sampler, IAggregationStrategy strategy, IUpdateCollector collector,
    CurrentModel model, IServerOptimizer optimizer, IOptions<AggregatorOptions> options, TimeProvider time, ILogger<RoundConfigurator> logger)
{
    private readonly AggregatorOptions _options = options.Value;
    private long _nextRound = model.CommittedRound + 1;

    /// <summary>The next round, or null with the reason when it must not open (the privacy budget cannot afford it).</summary>
    public OpenRound? Configure(out string refusal)
    {
        IReadOnlyList<string> live = sites.LiveSites();
        int wanted = Math.Min(strategy.MaxSampledSites, Math.Max(_options.MinSites, (int)Math.Ceiling(_options.SampleFraction * live.Count)));
        string[] sampled = sampler.Sample(live, wanted);
        long number = _nextRound;
        int minimumSurvivors = collector.MinimumSurvivors(sampled.Length, _options.MinSites);
        RoundAggregationPlan? plan = strategy.Configure(number, live.Count, sampled.Length, minimumSurvivors, out refusal);
        if (plan is null)
        {
            AggregatorLog.RoundNotOpened(logger, number, refusal);
            return null;
        }
        _nextRound++;
        PublishedModel global = model.Published;
        DateTimeOffset deadline = time.GetUtcNow().AddSeconds(_options.RoundDeadlineSeconds);
        var task = new RoundTask
        {
            Round = number,
            ModelVersion = global.Version,
            ModelSha256 = global.Header.Sha256,
            DeadlineUnixMs = deadline.ToUnixTimeMilliseconds(),
            Training = TrainingPlan(number, global.Version),
            ModelRound = global.Round,
            Privacy = plan.Privacy is null ? PrivacyWire.Off : PrivacyWire.ToWire(plan.Privacy),
        };
        var round = new OpenRound(number, global.Version, sampled, deadline, task, plan,
            new CollectedUpdates(global.Model, plan.Weighting, _options.SumInSiteOrder, plan.HoldsUpdates));
        collector.Prepare(round, global.Model);
        AggregatorLog.RoundOpened(logger, number, global.Version, sampled.Length, live.Count, string.Join(", ", sampled), sites.JoinedCount, deadline,
            plan.Privacy is { } dp ? FormattableString.Invariant($", {dp.Mode} DP with clip norm {dp.ClipNorm:G4}") : "",
            round.Secure is null ? "" : ", secure aggregation");
        return round;
    }

    /// <summary>The round's training plan: the one place the settings become what sites train with.</summary>
    private TrainingConfig TrainingPlan(long round, long modelVersion) =>
        _options.Training.ToTrainingConfig(seed: (ulong)(_options.SamplingSeed * 1_000_003L + round),
            receivedModelStatistics: optimizer.WantsReceivedModelStatistics, new FederationProgress(modelVersion, _options.TotalRounds));
}
