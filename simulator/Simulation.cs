using System.Diagnostics;
using System.Text.Json;
using FedFace.Aggregator;
using FedFace.Certs;
using FedFace.Client;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Core.Training;
using FedFace.Evaluation;
using FedFace.Learning;
using FedFace.Learning.Backbones;
using FedFace.Learning.Onnx;
using FedFace.Protocol.Storage;
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

    /// <summary>Aligns the data the options describe, then runs the federation on it.</summary>
    public async Task<SimulationReport> RunAsync(CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        SimulationData data = SimulationData.Prepare(options, output, _logger, cancellationToken);
        return await RunAsync(data, clock.Elapsed.TotalSeconds, cancellationToken);
    }

    /// <summary>A federation over already prepared data (an experiment runs several on the same).</summary>
    public async Task<SimulationReport> RunAsync(SimulationData data, double preparationSeconds, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string startedAt = DateTimeOffset.UtcNow.ToString("O");
        string outputDirectory = Path.GetFullPath(options.OutputDirectory);
        Directory.CreateDirectory(outputDirectory);
        string[] siteIds = data.SiteRows.Select(r => r.SiteId).ToArray();
        HeldOutVerification heldOut = data.HeldOut;

        PkiLayout pki = FederationPki.Create(Path.Combine(outputDirectory, "pki"), siteIds);
        string initialModelPath = Path.Combine(outputDirectory, "initial-model.ffm");
        ModelState initial = InitialModel(options);
        ModelFile.Write(initialModelPath, initial, version: 0);
        string stateDirectory = Path.Combine(outputDirectory, "aggregator-state");
        if (Directory.Exists(stateDirectory))
        {
            Directory.Delete(stateDirectory, recursive: true); // each simulation is a new federation
        }

        var table = new RoundTable(heldOut, output, showsPrivacy: options.DifferentialPrivacySettings().Enabled);
        output.WriteLine($"Federation: {options.Sites} sites, {options.Rounds} rounds, {options.Training.LocalEpochs} local epoch(s); scoring {heldOut.PairCount} held-out pairs");
        TrainingPlan training = options.Training;
        output.WriteLine($"Local training: {training.Optimizer}, lr {training.LearningRate:G3} → {training.LearningRateFloor:G3}, FedProx μ {training.FedProxMu:G3}, gradient clip {(training.GradientClipNorm > 0 ? training.GradientClipNorm.ToString("G3") : "off")}, mask probability {training.MaskedFaceProbability:G3}; server {options.ServerOptimizer}; input {data.Normalization}");
        if (options.DifferentialPrivacySettings().Enabled)
        {
            output.WriteLine($"Differential privacy: {options.Dp}, noise multiplier {options.DpNoise:G3}, clip {options.DpClip:G3}"
                + (options.DpAdaptiveQuantile > 0 ? $" (adaptive, quantile {options.DpAdaptiveQuantile:G3})" : "")
                + $", budget ε {options.DpEpsilonBudget:G3} at δ {options.DpDelta:G3}");
        }
        if (options.SecureAggregation)
        {
            output.WriteLine($"Secure aggregation (SecAgg+): dropout tolerance {options.SecAggDropoutTolerance:P0}, key stages {options.SecAggStageSeconds}s"
                + (options.DropSites > 0 ? $"; {options.DropSites} site(s) vanish in round 1 before {SiteVanishing.StageOf(options.DropAt)}, holding that stage open until its deadline" : "")
                + (options.DifferentialPrivacySettings().Enabled
                    ? "; with DP every site weighs 1 and each round's clip and coordinate bound follow the DP clip and noise (--secagg-clip-norm and --secagg-coordinate-bound are not used)"
                    : ""));
        }
        if (options.SecureAggregation)
        {
            output.WriteLine("sites: sampled→answered each secure stage (keys→shares→masked input→consistency check→unmask); "
                + "Δ: change since round 0 on the same pairs ± its paired standard error");
        }
        output.WriteLine(table.Header);
        table.EvaluateInitial(initial);

        // The aggregator's own log (accepted updates and their norms, round outcomes) follows --verbose; ASP.NET's stays quiet.
        string aggregatorLogLevel = _logger.IsEnabled(LogLevel.Information) ? "Information" : "Warning";
        WebApplication aggregator = AggregatorHost.Build(
            ["--Logging:LogLevel:Default", "Warning", "--Logging:LogLevel:FedFace", aggregatorLogLevel],
            aggregatorOptions =>
            {
                aggregatorOptions.Port = 0;
                aggregatorOptions.Observability.ManagementPort = 0; // simulations may run side by side; the address is logged
                aggregatorOptions.CertificatePath = pki.AggregatorCertificate;
                aggregatorOptions.KeyPath = pki.AggregatorKey;
                aggregatorOptions.ModelSigningCertificatePath = pki.ModelSigningCertificate;
                aggregatorOptions.ModelSigningKeyPath = pki.ModelSigningKey;
                aggregatorOptions.CaCertificatePath = pki.CaCertificate;
                aggregatorOptions.StateDirectory = stateDirectory;
                aggregatorOptions.InitialModelPath = initialModelPath;
                aggregatorOptions.MinSites = options.MinSites();
                aggregatorOptions.SampleFraction = options.SampleFraction;
                aggregatorOptions.TotalRounds = options.Rounds;
                aggregatorOptions.AverageLastModels = options.AverageLastModels;
                aggregatorOptions.SumInSiteOrder = options.SumInSiteOrder;
                aggregatorOptions.RoundDeadlineSeconds = options.RoundDeadlineSeconds;
                aggregatorOptions.WaitRetryMilliseconds = 200;
                aggregatorOptions.SamplingSeed = options.Seed;
                aggregatorOptions.DeterministicSampling = true; // a simulation repeats from its seed
                aggregatorOptions.Training = options.Training;
                aggregatorOptions.ServerOptimizer = options.ServerOptimizerSettings();
                aggregatorOptions.DifferentialPrivacy = options.DifferentialPrivacySettings();
                aggregatorOptions.SecureAggregation = options.SecureAggregationSettings();
                aggregatorOptions.Aggregation = options.Aggregation;
            },
            services => services.AddSingleton<IRoundObserver>(table));
        if (options.SecureAggregation)
        {
            // Every site in round 1 whatever the quorum, its certificate known: the vanishing sites are then sure to be sampled.
            foreach (string id in siteIds)
            {
                PreJoinedSites.Register(aggregator.Services, FederationTrust.LoadCertificate(pki.SiteCertificate(id)));
            }
        }
        await aggregator.StartAsync(cancellationToken);
        try
        {
            Uri aggregatorUri = AggregatorHost.ListeningUri(aggregator);
            // One site trains at a time: on 2 cores, concurrent libtorch training only adds contention.
            using var trainingGate = new SemaphoreSlim(1);
            var byzantine = new ByzantineSites(siteIds.TakeLast(options.Byzantine.CountOf(siteIds.Length)), options.Byzantine, options.Seed);
            if (byzantine.Attackers.Count > 0)
            {
                output.WriteLine($"Byzantine sites (simulated attack, {options.Byzantine.Attack} ×{options.Byzantine.Scale:G3}): {string.Join(", ", byzantine.Attackers)}; aggregation {options.Aggregation.Rule}");
            }
            using var vanishing = new SiteVanishing(siteIds.TakeLast(options.DropSites), SiteVanishing.StageOf(options.DropAt), output, cancellationToken);
            SiteAgent[] agents = siteIds.Select((id, i) => new SiteAgent(
                new SiteOptions
                {
                    AggregatorUrl = aggregatorUri.ToString(),
                    CertificatePath = pki.SiteCertificate(id),
                    KeyPath = pki.SiteKey(id),
                    CaCertificatePath = pki.CaCertificate,
                    Seed = options.Seed * 100 + i,
                },
                _ => data.Sites[i], loggerFactory, trainingGate, audit: byzantine, stageObserver: vanishing)).ToArray();
            // Should the aggregator's host stop on its own (its round loop failed), the sites must stop too, or they would
            // retry a vanished aggregator for ever.
            using var untilAggregatorStops = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, aggregator.Lifetime.ApplicationStopping);
            try
            {
                await Task.WhenAll(agents.Select(agent => RunUntilDoneOrVanishedAsync(agent, vanishing, untilAggregatorStops.Token)));
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException("the aggregator stopped before the federation finished; its error is logged above");
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

        var report = new SimulationReport(options, options.ServerOptimizerSettings(), options.DifferentialPrivacySettings(),
            MachineDescription(), startedAt, data.SiteRows, heldOut.PairCount, heldOut.DroppedPairs,
            table.Rows, preparationSeconds, preparationSeconds + clock.Elapsed.TotalSeconds);
        string reportPath = Path.Combine(outputDirectory, "simulation-report.json");
        await File.WriteAllTextAsync(reportPath, JsonSerializer.Serialize(report, new JsonSerializerOptions { WriteIndented = true }), cancellationToken);
        string chartPath = Path.Combine(outputDirectory, "accuracy.png");
        AccuracyChart.Write(chartPath, table.Rows, $"{options.Sites} sites, {(options.SecureAggregation ? "secure aggregation, " : "")}{heldOut.PairCount} held-out LFW pairs");
        foreach (string line in ChangeSummary.Lines(table.Rows))
        {
            output.WriteLine(line);
        }
        output.WriteLine($"Done in {clock.Elapsed.TotalSeconds:F0}s; report: {reportPath}; chart: {chartPath}");
        return report;
    }

    /// <summary>Runs a site until the federation finishes; a site the fault injection made vanish just stops.</summary>
    private static async Task RunUntilDoneOrVanishedAsync(SiteAgent agent, SiteVanishing vanishing, CancellationToken simulation)
    {
        try
        {
            await agent.RunAsync(vanishing.TokenFor(agent.SiteId, simulation));
        }
        catch (Exception e) when (vanishing.HasVanished(agent.SiteId) && !simulation.IsCancellationRequested
            && e is OperationCanceledException or Grpc.Core.RpcException { StatusCode: Grpc.Core.StatusCode.Cancelled })
        {
            // gone, as injected
        }
    }

    /// <summary>The version-0 global model: the imported --initial-model, or a seeded random --backbone.</summary>
    public static ModelState InitialModel(SimulatorOptions options) => string.IsNullOrWhiteSpace(options.InitialModel)
        ? GlobalModelFactory.CreateInitial(options.Seed, BackboneArchitecture.Parse(options.Backbone))
        : MobileFaceNetOnnx.Import(options.InitialModel);

    internal static string MachineDescription() =>
        $"{Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
}
