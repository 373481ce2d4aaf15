using System.Diagnostics;
using System.Text.Json;
using FedFace.Aggregator;
using FedFace.Client;
using FedFace.Core;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// A federation whose sites do not train (--engine-site-work synthetic or replay): no faces to align, no held-out
/// scoring; it exercises the aggregator and the protocol at scale, and reports each round's outcome and the engine's
/// figures (engine-report.json).
/// </summary>
public sealed class UntrainedSimulation(SimulatorOptions options, ILoggerFactory loggerFactory, TextWriter output, IReadOnlyList<string>? workerArguments = null)
{
    public async Task<EngineReport> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        IReadOnlyList<string> siteIds = VirtualFederation.SiteIds(options.Sites);
        ModelState initial = Simulation.InitialModel(options);
        output.WriteLine($"Federation of untrained sites ({options.Engine.SiteWork}): {options.Sites} registered, sample fraction {options.SampleFraction:G3}, "
            + $"{options.Rounds} rounds, model of {initial.ParameterCount:N0} values{(options.SecureAggregation ? ", secure aggregation" : "")}");
        var workspace = FederationWorkspace.Create(options.OutputDirectory, siteIds, initial);
        var outcomes = new RoundOutcomes(output);
        var federation = new VirtualFederation(options, loggerFactory, output, workerArguments);
        await federation.RunAsync(siteIds, workspace, outcomes, SiteWork.For(options, faces: null), cancellationToken);
        var report = new EngineReport(options.Sites, options.SampleFraction, options.Engine.SiteWork, options.Engine.WorkerCount, options.SecureAggregation,
            initial.ParameterCount, outcomes.Summaries, federation.Measurements?.Rounds ?? [], EngineMeasurements.PeakResidentGigabytes(), clock.Elapsed.TotalSeconds);
        string path = Path.Combine(workspace.Directory, "engine-report.json");
        await File.WriteAllTextAsync(path, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        output.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0}s, peak RSS {report.PeakRssGb:F2} GB; report: {path}");
        return report;
    }

    /// <summary>Each round's outcome as the aggregator finished it, a line each.</summary>
    private sealed class RoundOutcomes(TextWriter output) : IRoundObserver
    {
        private readonly List<RoundOutcome> _rounds = [];

        public IReadOnlyList<RoundOutcome> Summaries
        {
            get
            {
                lock (_rounds)
                {
                    return [.. _rounds];
                }
            }
        }

        public Task OnRoundFinishedAsync(RoundSummary summary, ModelState globalModel, CancellationToken cancellationToken)
        {
            var outcome = new RoundOutcome(summary.Round, summary.CommittedModelVersion ?? summary.BaseModelVersion, summary.Committed, summary.SampledSites.Count,
                summary.AcceptedSites.Count, summary.Seconds, summary.Outcome, EngineMeasurements.PeakResidentGigabytes());
            lock (_rounds)
            {
                _rounds.Add(outcome);
            }
            output.WriteLine($"round {outcome.Round}: {(outcome.Committed ? "committed" : "not committed")}, {outcome.Accepted}/{outcome.Sampled} sites, {outcome.Seconds:F2}s: {outcome.Outcome}");
            return Task.CompletedTask;
        }
    }
}

/// <summary>A round as the aggregator finished it, and the process's peak resident memory by then.</summary>
public sealed record RoundOutcome(long Round, long ModelVersion, bool Committed, int Sampled, int Accepted, double Seconds, string Outcome, double PeakRssGb);

/// <summary>engine-report.json: what a run of untrained sites measured.</summary>
public sealed record EngineReport(int SitesRegistered, double SampleFraction, string SiteWork, int Workers, bool SecureAggregation, long ModelValues,
    IReadOnlyList<RoundOutcome> Rounds, IReadOnlyList<EngineRound> EngineRounds, double PeakRssGb, double Seconds);
