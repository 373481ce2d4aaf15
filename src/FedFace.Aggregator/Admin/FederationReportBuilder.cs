using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.Sites;
using FedFace.Aggregator.Strategies;
using FedFace.Core;
using FedFace.Protos.Admin.V1;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Admin;

/// <summary>
/// The federation as the operator reads it (the admin service and the dashboard alike): the round and its stage, the
/// sites, the finished rounds with the loss and accuracy sites reported, the privacy budget and the published models.
/// </summary>
public sealed class FederationReportBuilder(CurrentRound rounds, CurrentModel model, FederationStatus status, SiteRegistry sites,
    FederationHistory history, IAggregationStrategy strategy, IOptions<AggregatorOptions> options, TimeProvider time)
{
    /// <param name="includeSites">false: no per-site list, for a frequent poll of a federation of many sites.</param>
    public FederationReport Build(bool includeSites = true)
    {
        AggregatorOptions settings = options.Value;
        var report = new FederationReport
        {
            FederationName = settings.FederationName,
            AggregatorVersion = BuildVersion.Of(typeof(FederationReportBuilder).Assembly),
            GeneratedUnixMs = time.GetUtcNow().ToUnixTimeMilliseconds(),
            Round = Round(settings.TotalRounds),
        };
        if (includeSites)
        {
            report.Sites.AddRange(Sites());
        }
        report.Rounds.AddRange(history.Rounds().Select(Record));
        report.Models.AddRange(history.Models().Select(Model));
        if (strategy.PrivacySpent is { } privacy)
        {
            report.Privacy = new PrivacyBudget
            {
                Mode = settings.DifferentialPrivacy.Mode.ToString(),
                EpsilonSpent = privacy.Spent.Epsilon,
                EpsilonTarget = privacy.EpsilonBudget,
                Delta = privacy.Spent.Delta,
            };
        }
        return report;
    }

    private RoundState Round(int totalRounds)
    {
        var state = new RoundState
        {
            CommittedRounds = model.CommittedRound,
            TotalRounds = totalRounds,
            ModelVersion = model.ModelVersion,
            FinishReason = status.Done ? status.FinishReason : "",
        };
        if (rounds.Round is not { } round)
        {
            state.Stage = Ending() ?? "waiting for sites";
            return state;
        }
        lock (round.Gate)
        {
            state.Number = round.Number;
            state.SampledSites = round.SampledSites.Count;
            state.AnsweredSites = round.Answers.Count;
            if (!round.Closed)
            {
                state.SampledSiteIds.AddRange(round.SampledSites.Order(StringComparer.Ordinal));
            }
            state.OpenSeconds = round.Elapsed.TotalSeconds;
            state.Stage = Ending()
                ?? (round.Closed ? "waiting for sites"
                : round.Secure is not null ? "secure aggregation"
                : "collecting updates");
        }
        return state;
    }

    /// <summary>
    /// "finished" only once the round loop is done, its observers included (what sites are told too); between the last
    /// commit and then, "finishing": a simulation that stopped at the last commit cut the last round's evaluation short.
    /// </summary>
    private string? Ending() => status.Finished ? "finished" : status.Done ? "finishing" : null;

    /// <summary>The joined sites and any site a finished round sampled (a restart forgets who joined before it).</summary>
    private IEnumerable<SiteState> Sites()
    {
        IReadOnlyDictionary<string, SiteRecord> records = history.Sites();
        Dictionary<string, JoinedSite> joined = sites.Snapshot().ToDictionary(s => s.SiteId, StringComparer.Ordinal);
        foreach (string siteId in joined.Keys.Union(records.Keys).Order(StringComparer.Ordinal))
        {
            JoinedSite? contact = joined.GetValueOrDefault(siteId);
            SiteRecord record = records.GetValueOrDefault(siteId) ?? new SiteRecord(0, 0, []);
            var site = new SiteState
            {
                SiteId = siteId,
                Live = contact?.Live ?? false,
                LastSeenUnixMs = contact?.LastContact?.ToUnixTimeMilliseconds() ?? 0,
                RoundsContributed = record.RoundsContributed,
                RoundsNotAccepted = record.RoundsNotAccepted,
            };
            site.Rejections.AddRange(record.Reasons.Select(r => new SiteRejection { Round = r.Round, Reason = r.Reason }));
            yield return site;
        }
    }

    private static RoundRecord Record(RoundInHistory finished)
    {
        RoundSummary summary = finished.Summary;
        var record = new RoundRecord
        {
            Round = summary.Round,
            Committed = summary.Committed,
            Outcome = summary.Outcome,
            ModelVersion = summary.CommittedModelVersion ?? 0,
            SampledSites = summary.SampledSites.Count,
            AcceptedSites = summary.AcceptedSites.Count,
            TotalExamples = summary.TotalExamples,
            Seconds = summary.Seconds,
            FinishedUnixMs = finished.FinishedAt.ToUnixTimeMilliseconds(),
        };
        if (summary.MeanLocalLoss is { } loss) record.MeanLoss = loss;
        if (summary.MeanLocalAccuracy is { } accuracy) record.MeanAccuracy = accuracy;
        if (summary.Privacy is { } spent) record.EpsilonSpent = spent.Epsilon;
        return record;
    }

    private static SignedModel Model(PublishedModel published)
    {
        var signature = published.Signature;
        using X509Certificate2 signer = X509CertificateLoader.LoadCertificate(signature.SignerCertificate);
        return new SignedModel
        {
            Version = published.Version,
            Round = published.Round,
            Sha256 = Convert.ToHexStringLower(signature.ModelSha256),
            Signature = Convert.ToHexStringLower(signature.Signature),
            Signer = signer.Subject,
        };
    }
}
