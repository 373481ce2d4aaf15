using System.Diagnostics;
using System.Text.Json;
using FedFace.Aggregator;
using FedFace.Certs;
using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Storage;
using FedFace.Evaluation;
using FedFace.Learning;
using FedFace.Vision;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator;

/// <summary>
/// A whole federation on one machine: a PKI, a real aggregator on loopback, K sites over mutual TLS,
/// each training on its own LFW people; the global model is scored on held-out pairs after every round.
/// </summary>
public sealed class Simulation(SimulatorOptions options, ILoggerFactory loggerFactory, TextWriter output)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<Simulation>();

    public async Task<SimulationReport> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string startedAt = DateTimeOffset.UtcNow.ToString("O");
        string outputDirectory = Path.GetFullPath(options.OutputDirectory);
        Directory.CreateDirectory(outputDirectory);

        IReadOnlyList<LfwPair> pairs = LfwPairsFile.Read(SharedData.LfwPairsFile);
        IReadOnlyList<IReadOnlyList<LabelledImage>> siteImages = LfwPartition.DealSites(pairs, options);
        IReadOnlyList<LfwPair> scoringPairs = LfwPartition.ScoringPairs(pairs, options.EvalPairsPerFold);
        string[] siteIds = Enumerable.Range(1, options.Sites).Select(i => $"site-{i:D2}").ToArray();

        SiteData[] siteData;
        HeldOutVerification heldOut;
        using (var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(SharedData.YuNetModel), degreeOfParallelism: Environment.ProcessorCount))
        {
            output.WriteLine($"Aligning the training faces of {options.Sites} sites ({siteImages.Sum(s => s.Count)} photos)…");
            siteData = siteImages.Select(images => SiteData.Align(images, pipeline, _logger, cancellationToken)).ToArray();
            output.WriteLine($"Aligning the held-out faces of {scoringPairs.Count} pairs (lfw-pairs.txt folds 6–10)…");
            heldOut = HeldOutVerification.Prepare(scoringPairs, pipeline, output);
        }
        SiteRow[] siteRows = siteIds.Select((id, i) => new SiteRow(id, siteData[i].People, siteData[i].Examples, siteData[i].SkippedNoFace, siteData[i].Unreadable)).ToArray();
        foreach (SiteRow site in siteRows)
        {
            output.WriteLine($"  {site.SiteId}: {site.People} people, {site.Faces} faces");
        }

        PkiLayout pki = FederationPki.Create(Path.Combine(outputDirectory, "pki"), siteIds);
        string initialModelPath = Path.Combine(outputDirectory, "initial-model.ffm");
        ModelState initial = GlobalModelFactory.CreateInitial(options.Seed);
        ModelFile.Write(initialModelPath, initial, version: 0);
        string stateDirectory = Path.Combine(outputDirectory, "aggregator-state");
        if (Directory.Exists(stateDirectory))
        {
            Directory.Delete(stateDirectory, recursive: true); // each simulation is a new federation
        }
        double preparationSeconds = clock.Elapsed.TotalSeconds;

        var table = new RoundTable(heldOut, output);
        output.WriteLine($"Federation: {options.Sites} sites, {options.Rounds} rounds, {options.LocalEpochs} local epoch(s); scoring {heldOut.PairCount} held-out pairs");
        output.WriteLine(RoundTable.Header);
        table.EvaluateInitial(initial);

        WebApplication aggregator = AggregatorHost.Build(
            ["--Logging:LogLevel:Default", "Warning"],
            aggregatorOptions =>
            {
                aggregatorOptions.Port = 0;
                aggregatorOptions.CertificatePath = pki.AggregatorCertificate;
                aggregatorOptions.KeyPath = pki.AggregatorKey;
                aggregatorOptions.CaCertificatePath = pki.CaCertificate;
                aggregatorOptions.StateDirectory = stateDirectory;
                aggregatorOptions.InitialModelPath = initialModelPath;
                aggregatorOptions.MinSites = Math.Max(1, (int)Math.Ceiling(options.SampleFraction * options.Sites));
                aggregatorOptions.SampleFraction = options.SampleFraction;
                aggregatorOptions.TotalRounds = options.Rounds;
                aggregatorOptions.RoundDeadlineSeconds = options.RoundDeadlineSeconds;
                aggregatorOptions.WaitRetryMilliseconds = 200;
                aggregatorOptions.SamplingSeed = options.Seed;
                aggregatorOptions.Training = new LocalTrainingSettings
                {
                    LocalEpochs = options.LocalEpochs,
                    BatchSize = options.BatchSize,
                    LearningRate = options.LearningRate,
                    ArcFaceScale = options.ArcFaceScale,
                    ArcFaceMargin = options.ArcFaceMargin,
                    MaxSteps = options.MaxStepsPerRound,
                };
            },
            services => services.AddSingleton<IRoundObserver>(table));
        await aggregator.StartAsync(cancellationToken);
        try
        {
            Uri aggregatorUri = AggregatorHost.ListeningUri(aggregator);
            // One site trains at a time: on 2 cores, concurrent libtorch training only adds contention.
            using var trainingGate = new SemaphoreSlim(1);
            SiteAgent[] agents = siteIds.Select((id, i) => new SiteAgent(
                new SiteOptions
                {
                    AggregatorUrl = aggregatorUri.ToString(),
                    CertificatePath = pki.SiteCertificate(id),
                    KeyPath = pki.SiteKey(id),
                    CaCertificatePath = pki.CaCertificate,
                    Seed = options.Seed * 100 + i,
                },
                _ => siteData[i], loggerFactory, trainingGate)).ToArray();
            try
            {
                await Task.WhenAll(agents.Select(agent => agent.RunAsync(cancellationToken)));
            }
            finally
            {
                foreach (SiteAgent agent in agents)
                {
                    agent.Dispose();
                }
            }
        }
        finally
        {
            await aggregator.StopAsync(CancellationToken.None);
            await aggregator.DisposeAsync();
        }

        var report = new SimulationReport(options, MachineDescription(), startedAt, siteRows, heldOut.PairCount, heldOut.DroppedPairs,
            table.Rows, preparationSeconds, clock.Elapsed.TotalSeconds);
        string reportPath = Path.Combine(outputDirectory, "simulation-report.json");
        await File.WriteAllTextAsync(reportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        output.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0}s; report: {reportPath}");
        return report;
    }

    private static string MachineDescription() =>
        $"{Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
}
