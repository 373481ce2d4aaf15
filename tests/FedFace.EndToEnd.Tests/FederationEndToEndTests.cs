using System.Collections.Concurrent;
using FedFace.Aggregator;
using FedFace.Certs;
using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Evaluation;
using FedFace.Learning;
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
        string[] siteIds = ["site-01", "site-02", "site-03"];
        PkiLayout pki = FederationPki.Create(Path.Combine(_directory, "pki"), siteIds);
        SiteData[] sites = TinySites.Align(siteIds.Length);
        ModelState initial = GlobalModelFactory.CreateInitial(seed: 3);
        string initialPath = Path.Combine(_directory, "initial.ffm");
        ModelFile.Write(initialPath, initial, version: 0);

        var globals = new ConcurrentDictionary<long, ModelState>();
        var audit = new RecordingAudit();
        WebApplication aggregator = AggregatorHost.Build(["--Logging:LogLevel:Default", "Warning"], options =>
        {
            options.Port = 0;
            options.CertificatePath = pki.AggregatorCertificate;
            options.KeyPath = pki.AggregatorKey;
            options.CaCertificatePath = pki.CaCertificate;
            options.StateDirectory = Path.Combine(_directory, "state");
            options.InitialModelPath = initialPath;
            options.MinSites = 3;
            options.TotalRounds = 2;
            options.RoundDeadlineSeconds = 300;
            options.WaitRetryMilliseconds = 100;
            options.Training = new LocalTrainingSettings { LocalEpochs = 1, BatchSize = 4, LearningRate = 0.01f, MaxSteps = 2 };
        }, services => services.AddSingleton<IRoundObserver>(new RecordingObserver(globals)));
        await aggregator.StartAsync();
        try
        {
            string url = AggregatorHost.ListeningUri(aggregator).ToString();
            using var gate = new SemaphoreSlim(1);
            SiteAgent[] agents = siteIds.Select((id, i) => new SiteAgent(new SiteOptions
            {
                AggregatorUrl = url,
                CertificatePath = pki.SiteCertificate(id),
                KeyPath = pki.SiteKey(id),
                CaCertificatePath = pki.CaCertificate,
                Seed = i + 1,
            }, _ => sites[i], NullLoggerFactory.Instance, gate, audit)).ToArray();
            using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
            await Task.WhenAll(agents.Select(a => a.RunAsync(timeout.Token)));
            Assert.All(agents, a => Assert.Equal(2, a.RoundsAccepted));
            foreach (SiteAgent agent in agents)
            {
                agent.Dispose();
            }
        }
        finally
        {
            await aggregator.StopAsync();
            await aggregator.DisposeAsync();
        }

        Assert.Equal([1L, 2L], globals.Keys.Order());
        ModelState previous = initial;
        foreach (long round in new long[] { 1, 2 })
        {
            var sent = audit.Uploads.Where(u => u.Header.Round == round).ToArray();
            Assert.Equal(siteIds, sent.Select(u => u.SiteId).Order());
            AssertIsPreviousPlusWeightedMean(previous, sent.Select(u => (u.Delta, u.Header.ExampleCount)).ToArray(), globals[round]);
            previous = globals[round];
        }
        string[] sharedNames = initial.Tensors.Select(t => t.Name).ToArray();
        Assert.All(audit.Uploads, upload =>
        {
            Assert.Equal(sharedNames, upload.Delta.Tensors.Select(t => t.Name));
            Assert.DoesNotContain(upload.Delta.Tensors, t => t.Name.Contains("head", StringComparison.OrdinalIgnoreCase)
                || t.Name.Contains("arcface", StringComparison.OrdinalIgnoreCase));
        });
    }

    /// <summary>global_r = global_{r−1} + Σ nᵢδᵢ / Σ nᵢ, recomputed here in double from what the sites sent.</summary>
    private static void AssertIsPreviousPlusWeightedMean(ModelState previous, (ModelState Delta, long Examples)[] sent, ModelState committed)
    {
        double totalExamples = sent.Sum(s => (double)s.Examples);
        foreach (NamedTensor before in previous.Tensors)
        {
            float[] after = committed[before.Name].Values;
            for (int i = 0; i < before.Values.Length; i++)
            {
                double expected = before.Values[i] + sent.Sum(s => s.Examples * (double)s.Delta[before.Name].Values[i]) / totalExamples;
                Assert.True(Math.Abs(expected - after[i]) <= 1e-5 * Math.Max(1, Math.Abs(expected)),
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

    private sealed class RecordingObserver(ConcurrentDictionary<long, ModelState> globals) : IRoundObserver
    {
        public Task OnRoundFinishedAsync(RoundSummary summary, ModelState globalModel, CancellationToken cancellationToken)
        {
            if (summary.Committed)
            {
                globals[summary.CommittedModelVersion!.Value] = globalModel.Clone();
            }
            return Task.CompletedTask;
        }
    }
}
