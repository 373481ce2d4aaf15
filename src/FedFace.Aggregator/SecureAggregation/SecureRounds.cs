using System.Collections.Concurrent;
using System.Security.Cryptography.X509Certificates;
using FedFace.Core;
using FedFace.Core.Privacy;
using FedFace.Core.SecureAggregation;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>
/// Makes each secure round (configuration, site keys, deadlines) when the coordinator opens a round, and finds it
/// again for the stage service — also for a while after it ended, so that a site still asking learns how it ended.
/// </summary>
public sealed class SecureRounds(IOptions<AggregatorOptions> options, SiteCertificates certificates, TimeProvider time, ILogger<SecureRounds> logger)
{
    private const int EndedRoundsKept = 8;

    private readonly SecureAggregationOptions _settings = options.Value.SecureAggregation;
    private readonly ConcurrentDictionary<long, SecureRound> _rounds = new();

    public bool Enabled => _settings.Enabled;

    /// <summary>The fewest masked inputs a secure round of <paramref name="sampledSites"/> sites can be unmasked with (t + 1).</summary>
    public int MinimumSurvivors(int sampledSites) => _settings.ToSettings().MinimumSurvivors(sampledSites);

    /// <summary>
    /// The secure round <paramref name="round"/> over the sampled sites, aggregating vectors laid out like
    /// <paramref name="global"/>. A sampled site whose certificate was never seen cannot be verified: it is in the
    /// configuration but its messages are refused, so the round treats it as dropped.
    /// </summary>
    /// <param name="privacy">
    /// The round's DP instructions, null without DP. With them every site weighs 1, the adaptive-clipping bit rides as one
    /// more coordinate, and the clip and coordinate bound are the DP round's (<see cref="SecureDpQuantization"/>).
    /// </param>
    public SecureRound Open(long round, IReadOnlyCollection<string> sampled, ModelState global, DateTimeOffset roundDeadline, DpSiteInstructions? privacy)
    {
        var layout = ModelVectorLayout.Of(global, privacy is null ? 0 : SecureDpQuantization.ExtraCoordinates(privacy));
        SecAggSettings settings = privacy is null ? _settings.ToSettings() : SecureDpQuantization.For(_settings.ToSettings(), privacy, layout.ModelLength);
        RoundConfiguration configuration = RoundConfiguration.Create(round, sampled, layout.Length, settings);
        X509Certificate2[] known = [.. sampled.Select(certificates.Find).OfType<X509Certificate2>()];
        if (known.Length < sampled.Count)
        {
            logger.LogWarning("Round {Round}: no certificate seen yet for {Sites}; their secure-aggregation messages cannot be verified",
                round, string.Join(", ", sampled.Except(known.Select(Core.Security.FederationTrust.SiteIdOf))));
        }
        var secure = new SecureRound(configuration, layout, SiteKeyRing.FromCertificates(known), known.Select(c => c.RawData),
            SecAggStageDeadlines.For(time.GetUtcNow(), roundDeadline, _settings), time, logger);
        _rounds[round] = secure;
        foreach (long ended in _rounds.Keys.Where(r => r <= round - EndedRoundsKept))
        {
            _rounds.TryRemove(ended, out _);
        }
        logger.LogInformation("Round {Round} is secure: {Sites} sites, k = {K}, t = {T}, {Length:N0} elements, clip norm {Clip:G4}, coordinate bound {Bound:G4}, "
            + "quantization step {Step:G3}", round, configuration.SiteIds.Count, configuration.NeighbourCount, configuration.Threshold, layout.Length,
            configuration.ClipNorm, configuration.CoordinateBound, configuration.QuantizationStep);
        if (privacy is { AddsNoise: true })
        {
            DistributedDiscreteGaussian noise = DistributedDiscreteGaussian.For(configuration, privacy);
            logger.LogInformation("Round {Round}: sites add their noise shares in integers after quantizing, exact discrete Gaussians of variance {Variance:N0} "
                + "levels² a coordinate; each rounded update is held to a squared norm of {Bound:N0} levels²", round, noise.UpdateVariance, noise.NormSquaredBound);
        }
        return secure;
    }

    public SecureRound? Find(long round) => _rounds.GetValueOrDefault(round);
}
