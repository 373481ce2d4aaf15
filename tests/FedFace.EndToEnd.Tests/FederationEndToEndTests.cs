using System.Collections.Concurrent;
using FedFace.Aggregator;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Certs;
using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Core.Training;
using FedFace.Evaluation;
using FedFace.Learning;
using FedFace.Protocol.Storage;
using FedFace.Protos.V1;
using FedFace.Simulator;
using FedFace.Vision;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace FedFace.EndToEnd.Tests;

public sealed class FederationEndToEndTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), $"fedface-e2e-{Guid.NewGuid():N}");

    [Fact]
    public async Task Three_sites_two_rounds_commit_the_weighted_mean_of_what_they_sent_and_no_head_leaves_a_site()
    {
        Federation federation = await RunFederationAsync(rounds: 2, configure: _ => { });

        Assert.All(federation.Agents, a => Assert.Equal(2, a.RoundsAccepted));
        federation.AssertEachRoundIsPreviousPlusWeightedMeanOfWhatWasSent(tolerance: _ => 0);
        string[] sharedNames = federation.Initial.Tensors.Select(t => t.Name).ToArray();
        Assert.All(federation.Audit.Uploads, upload =>
        {
            Assert.Equal(sharedNames, upload.Delta.Tensors.Select(t => t.Name));
            Assert.DoesNotContain(upload.Delta.Tensors, t => t.Name.Contains("head", StringComparison.OrdinalIgnoreCase)
                || t.Name.Contains("arcface", StringComparison.OrdinalIgnoreCase));
        });
    }

    [Fact]
    public async Task Three_sites_requiring_secure_aggregation_take_part_in_two_secure_rounds_that_commit_the_weighted_mean_of_what_they_masked()
    {
        // Wide bounds: real deltas (BatchNorm statistics too) are neither clipped nor bounded, so the only error is quantization.
        var secure = new SecureAggregationOptions { Enabled = true, ClipNorm = 1e6, CoordinateBound = 1000, AdvertiseKeysSeconds = 120, ShareKeysSeconds = 120 };
        Federation federation = await RunFederationAsync(rounds: 2, options => options.SecureAggregation = secure, requireSecureAggregation: true);

        Assert.All(federation.Agents, a => Assert.Equal(2, a.RoundsAccepted));
        Assert.All(federation.Summaries.Values, s => Assert.Equal("3→3→3→3→3", s.SecureAggregation?.Survivors));
        // One quantization step of the weighted mean: CoordinateBound / ⌊(2³¹ − 1) / (sites · MaxWeightPerSite)⌋.
        double step = secure.CoordinateBound / (int.MaxValue / (3 * secure.MaxWeightPerSite));
        federation.AssertEachRoundIsPreviousPlusWeightedMeanOfWhatWasSent(tolerance: _ => step);
    }

    [Fact]
    public async Task A_site_requiring_secure_aggregation_refuses_a_plain_round_without_loading_its_data_training_or_uploading()
    {
        string[] siteIds = ["site-01"];
        PkiLayout pki = FederationPki.Create(Path.Combine(_directory, "pki"), siteIds);
        var summaries = new ConcurrentDictionary<long, RoundSummary>();
        WebApplication aggregator = BuildAggregator(pki, GlobalModelFactory.CreateInitial(seed: 3), options =>
        {
            options.MinSites = 1;
            options.TotalRounds = 1;
            options.RoundDeadlineSeconds = 3;
        }, summaries, new ConcurrentDictionary<long, ModelState>());
        await aggregator.StartAsync();
        var audit = new RecordingAudit();
        bool dataLoaded = false;
        try
        {
            using SiteAgent agent = new(SiteOptionsFor(aggregator, pki, "site-01", seed: 1, requireSecureAggregation: true),
                _ => { dataLoaded = true; throw new InvalidOperationException("a refusing site must not load its data"); }, NullLoggerFactory.Instance, audit: audit);
            using var stop = new CancellationTokenSource(TimeSpan.FromMinutes(1));
            Task running = agent.RunAsync(stop.Token);
            while (!summaries.ContainsKey(1))
            {
                await Task.Delay(50, stop.Token);
            }
            await stop.CancelAsync();
            try
            {
                await running;
            }
            catch (Exception e) when (e is OperationCanceledException or Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Cancelled })
            {
                // stopped, as asked
            }
            Assert.Equal(0, agent.RoundsAccepted);
        }
        finally
        {
            await aggregator.StopAsync();
            await aggregator.DisposeAsync();
        }

        Assert.False(dataLoaded);
        Assert.Empty(audit.Uploads);
        Assert.False(summaries[1].Committed);
        Assert.Empty(summaries[1].AcceptedSites);
        // It sent nothing to reject, but said why it sat the round out.
        Assert.Equal(["site-01"], summaries[1].RejectedSites.Keys);
        Assert.StartsWith("declined: round 1 uses Plain aggregation", summaries[1].RejectedSites["site-01"], StringComparison.Ordinal);
    }

    /// <summary>
    /// Three sites of three LFW people each, aligned for real, train MaxSteps = 2 per round through the real aggregator over
    /// mutual TLS until the federation finishes; what they uploaded and what was committed, for the assertions.
    /// </summary>
    private async Task<Federation> RunFederationAsync(int rounds, Action<AggregatorOptions> configure, bool requireSecureAggregation = false)
    {
        string[] siteIds = ["site-01", "site-02", "site-03"];
        PkiLayout pki = FederationPki.Create(Path.Combine(_directory, "pki"), siteIds);
        SiteData[] sites = TinySites.Align(siteIds.Length);
        ModelState initial = GlobalModelFactory.CreateInitial(seed: 3);
        var globals = new ConcurrentDictionary<long, ModelState>();
        var summaries = new ConcurrentDictionary<long, RoundSummary>();
        var audit = new RecordingAudit();
        WebApplication aggregator = BuildAggregator(pki, initial, options =>
        {
            options.MinSites = 3;
            options.TotalRounds = rounds;
            options.RoundDeadlineSeconds = 300;
            options.Training = new TrainingPlan { LocalEpochs = 1, BatchSize = 4, LearningRate = 0.01f, MaxSteps = 2 };
            configure(options);
        }, summaries, globals);
        await aggregator.StartAsync();
        try
        {
            using var gate = new SemaphoreSlim(1);
            SiteAgent[] agents = siteIds.Select((id, i) => new SiteAgent(SiteOptionsFor(aggregator, pki, id, seed: i + 1, requireSecureAggregation),
                _ => sites[i], NullLoggerFactory.Instance, gate, audit)).ToArray();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await Task.WhenAll(agents.Select(a => a.RunAsync(timeout.Token)));
            foreach (SiteAgent agent in agents)
            {
                agent.Dispose();
            }
            return new Federation(siteIds, initial, agents, audit, globals, summaries);
        }
        finally
        {
            await aggregator.StopAsync();
            await aggregator.DisposeAsync();
        }
    }

    private WebApplication BuildAggregator(PkiLayout pki, ModelState initial, Action<AggregatorOptions> configure,
        ConcurrentDictionary<long, RoundSummary> summaries, ConcurrentDictionary<long, ModelState> globals)
    {
        string initialPath = Path.Combine(_directory, "initial.ffm");
        ModelFile.Write(initialPath, initial, version: 0);
        return AggregatorHost.Build(["--Logging:LogLevel:Default", "Warning"], options =>
        {
            options.Port = 0;
            options.Observability.ManagementPort = 0;
            options.CertificatePath = pki.AggregatorCertificate;
            options.KeyPath = pki.AggregatorKey;
            options.ModelSigningCertificatePath = pki.ModelSigningCertificate;
            options.ModelSigningKeyPath = pki.ModelSigningKey;
            options.CaCertificatePath = pki.CaCertificate;
            options.StateDirectory = Path.Combine(_directory, "state");
            options.InitialModelPath = initialPath;
            options.WaitRetryMilliseconds = 100;
            configure(options);
        }, services => services.AddSingleton<IRoundObserver>(new RecordingObserver(summaries, globals)));
    }

    private static SiteOptions SiteOptionsFor(WebApplication aggregator, PkiLayout pki, string siteId, int seed, bool requireSecureAggregation) => new()
    {
        AggregatorUrl = AggregatorHost.ListeningUri(aggregator).ToString(),
        CertificatePath = pki.SiteCertificate(siteId),
        KeyPath = pki.SiteKey(siteId),
        CaCertificatePath = pki.CaCertificate,
        Seed = seed,
        MinimumAggregationMode = requireSecureAggregation ? AggregationMode.SecureAggregation : AggregationMode.Plain,
    };

    /// <summary>A finished federation: its sites, what they sent (audited before upload) and every round's summary and committed model.</summary>
    private sealed record Federation(string[] SiteIds, ModelState Initial, SiteAgent[] Agents, RecordingAudit Audit,
        IReadOnlyDictionary<long, ModelState> Globals, IReadOnlyDictionary<long, RoundSummary> Summaries)
    {
        /// <summary>Every round committed previous + the weighted mean of the three sites' deltas, within <paramref name="tolerance"/> (per round) plus float rounding.</summary>
        public void AssertEachRoundIsPreviousPlusWeightedMeanOfWhatWasSent(Func<long, double> tolerance)
        {
            Assert.Equal(Enumerable.Range(1, Summaries.Count).Select(r => (long)r), Globals.Keys.Order());
            ModelState previous = Initial;
            foreach (long round in Globals.Keys.Order())
            {
                var sent = Audit.Uploads.Where(u => u.Header.Round == round).ToArray();
                Assert.Equal(SiteIds, sent.Select(u => u.SiteId).Order());
                AssertIsPreviousPlusWeightedMean(previous, sent.Select(u => (u.Delta, u.Header.ExampleCount)).ToArray(), Globals[round], tolerance(round));
                previous = Globals[round];
            }
        }
    }

    /// <summary>global_r = global_{r−1} + Σ nᵢδᵢ / Σ nᵢ, recomputed here in double from what the sites sent, within <paramref name="tolerance"/> plus float rounding.</summary>
    private static void AssertIsPreviousPlusWeightedMean(ModelState previous, (ModelState Delta, long Examples)[] sent, ModelState committed, double tolerance)
    {
        double totalExamples = sent.Sum(s => (double)s.Examples);
        foreach (NamedTensor before in previous.Tensors)
        {
            float[] after = committed[before.Name].Values;
            for (int i = 0; i < before.Values.Length; i++)
            {
                double expected = before.Values[i] + sent.Sum(s => s.Examples * (double)s.Delta[before.Name].Values[i]) / totalExamples;
                Assert.True(Math.Abs(expected - after[i]) <= tolerance + 1e-5 * Math.Max(1, Math.Abs(expected)),
                    $"{before.Name}[{i}]: expected {expected}, committed {after[i]}");
            }
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private sealed class RecordingObserver(ConcurrentDictionary<long, RoundSummary> summaries, ConcurrentDictionary<long, ModelState> globals) : IRoundObserver
    {
        public Task OnRoundFinishedAsync(RoundSummary summary, ModelState globalModel, CancellationToken cancellationToken)
        {
            summaries[summary.Round] = summary;
            if (summary.Committed)
            {
                globals[summary.CommittedModelVersion!.Value] = globalModel.Clone();
            }
            return Task.CompletedTask;
        }
    }
}
