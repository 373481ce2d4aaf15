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
using FedFace.Simulator.VirtualSites;
using FedFace.Vision;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator;

/// <summary>
/// A whole federation on one machine: a PKI, a real aggregator on loopback, K sites over mutual TLS,
/// each training on its own LFW people; the global model is scored on held-out pairs after every round.
/// </summary>
/// <param name="workerArguments">The settings as the command line gave them, for worker processes (--engine-worker-processes).</param>
public sealed class Simulation(SimulatorOptions options, ILoggerFactory loggerFactory, TextWriter output, IReadOnlyList<string>? workerArguments = null)
{
    private readonly ILogger _logger = loggerFactory.CreateLogger<Simulation>();

    /// <summary>Aligns the data the options describe, then runs the federation on it.</summary>
    public async Task<SimulationReport?> RunAsync(CancellationToken cancellationToken)
    {
        if (options.Engine.Kind != SiteWorkKind.Train)
        {
            await new UntrainedSimulation(options, loggerFactory, output, workerArguments).RunAsync(cancellationToken);
            return null;
        }
        var clock = Stopwatch.StartNew();
        if (options.Engine.PeoplePerSite > 0)
        {
            PooledSites pooled = PooledSites.Prepare(options, output, cancellationToken);
            return await RunAsync(pooled, clock.Elapsed.TotalSeconds, cancellationToken);
        }
        SimulationData data = SimulationData.Prepare(options, output, _logger, cancellationToken);
        return await RunAsync(data, clock.Elapsed.TotalSeconds, cancellationToken);
    }

    /// <summary>A federation over already prepared data (an experiment runs several on the same).</summary>
    public Task<SimulationReport> RunAsync(SimulationData data, double preparationSeconds, CancellationToken cancellationToken) =>
        RunAsync(new SitesAndPairs(data.SiteRows, data.HeldOut, data.Normalization, new ResidentFaces(data.TrainingSets)), preparationSeconds, cancellationToken);

    /// <summary>A federation of many training sites over an already prepared face pool (--engine-people-per-site).</summary>
    public Task<SimulationReport> RunAsync(PooledSites pooled, double preparationSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pooled);
        return RunAsync(new SitesAndPairs(pooled.Rows, pooled.HeldOut, pooled.Faces.Normalization.Name, pooled.Faces), preparationSeconds, cancellationToken);
    }

    /// <summary>The sites, their faces and the held-out pairs a federation trains and is scored on.</summary>
    private sealed record SitesAndPairs(IReadOnlyList<SiteRow> SiteRows, HeldOutVerification HeldOut, string Normalization, ISiteFaces Faces);

    private async Task<SimulationReport> RunAsync(SitesAndPairs data, double preparationSeconds, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        string startedAt = DateTimeOffset.UtcNow.ToString("O");
        string[] siteIds = data.SiteRows.Select(r => r.SiteId).ToArray();
        HeldOutVerification heldOut = data.HeldOut;
        ModelState initial = InitialModel(options);
        var workspace = FederationWorkspace.Create(options.OutputDirectory, siteIds, initial);
        string outputDirectory = workspace.Directory;

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

        var federation = new VirtualFederation(options, loggerFactory, output, workerArguments);
        await federation.RunAsync(siteIds, workspace, table, SiteWork.For(options, data.Faces), cancellationToken);

        var report = new SimulationReport(options, options.ServerOptimizerSettings(), options.DifferentialPrivacySettings(),
            MachineDescription(), startedAt, data.SiteRows, heldOut.PairCount, heldOut.DroppedPairs,
            table.Rows, federation.Measurements?.Rounds ?? [], preparationSeconds, preparationSeconds + clock.Elapsed.TotalSeconds);
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

    /// <summary>The version-0 global model: the imported --initial-model, or a seeded random --backbone.</summary>
    public static ModelState InitialModel(SimulatorOptions options) => string.IsNullOrWhiteSpace(options.InitialModel)
        ? GlobalModelFactory.CreateInitial(options.Seed, BackboneArchitecture.Parse(options.Backbone))
        : MobileFaceNetOnnx.Import(options.InitialModel);

    internal static string MachineDescription() =>
        $"{Environment.MachineName}, {Environment.ProcessorCount} cores, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
}
