using FedFace.Aggregator;
using FedFace.Certs;
using FedFace.Client;
using FedFace.Core.Security;
using FedFace.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// A real aggregator on loopback and the options' sites as virtual sites: every site registered before round 1 (its
/// certificate known, as if it had joined), the sampled ones run over mutual TLS by an engine in this process
/// (<see cref="VirtualSiteHost"/>) or by worker processes, each hosting a slice. Ends when the federation finishes.
/// </summary>
/// <param name="workerArguments">The settings as the command line gave them, for worker processes (--engine-worker-processes).</param>
/// <param name="progress">Told as sites finish their rounds in this process (a live progress line with ETA).</param>
public sealed class VirtualFederation(SimulatorOptions options, ILoggerFactory loggerFactory, TextWriter output, IReadOnlyList<string>? workerArguments = null,
    IEngineProgress? progress = null)
{
    /// <summary>A registered site is sampled however long it was not heard from: unsampled virtual sites make no calls.</summary>
    private const double SiteTimeoutSeconds = 30 * 24 * 3600;

    public EngineMeasurements? Measurements { get; private set; }

    /// <param name="workFor">A site's local work, given the workers' networks and the site's logger.</param>
    public async Task RunAsync(IReadOnlyList<string> siteIds, FederationWorkspace workspace, IRoundObserver roundObserver,
        Func<VirtualSite, NetworkPool, ILogger, ILocalWork> workFor, CancellationToken cancellationToken)
    {
        PkiLayout pki = workspace.Pki;
        WebApplication aggregator = BuildAggregator(workspace, roundObserver);
        // Registered in-process, not by 10,000 Join calls over TLS: the aggregator then knows every certificate at once
        // (secure rounds verify the sites' messages with it) and round 1 samples from every site.
        foreach (string id in siteIds)
        {
            using var certificate = FederationTrust.LoadCertificate(pki.SiteCertificate(id));
            PreJoinedSites.Register(aggregator.Services, certificate);
        }
        await aggregator.StartAsync(cancellationToken);
        try
        {
            string url = AggregatorHost.ListeningUri(aggregator).ToString();
            var host = new VirtualSiteHost(options, loggerFactory, output, progress);
            Func<CancellationToken, Task> runSites = options.Engine.WorkerProcesses > 0
                ? token => new WorkerProcesses(options.Engine.WorkerProcesses, workerArguments, output).RunAsync(url, pki, token)
                : token => host.RunAsync(url, pki, siteIds, _ => true, workFor, token);
            // Should the aggregator's host stop on its own (its round loop failed), the engine must stop too.
            using var untilAggregatorStops = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, aggregator.Lifetime.ApplicationStopping);
            try
            {
                await runSites(untilAggregatorStops.Token);
                Measurements = host.Measurements;
            }
            catch (Exception e) when (!cancellationToken.IsCancellationRequested && untilAggregatorStops.IsCancellationRequested
                && e is OperationCanceledException or Grpc.Core.RpcException)
            {
                throw new InvalidOperationException("the aggregator stopped before the federation finished; its error is logged above");
            }
        }
        finally
        {
            await aggregator.StopAsync(CancellationToken.None);
            await aggregator.DisposeAsync();
        }
    }

    /// <summary>site-01, site-02, …: as many digits as the largest number needs (two at least), so that ids sort as numbers.</summary>
    public static IReadOnlyList<string> SiteIds(int count)
    {
        string format = "D" + Math.Max(2, count.ToString(System.Globalization.CultureInfo.InvariantCulture).Length);
        return [.. Enumerable.Range(1, count).Select(n => "site-" + n.ToString(format, System.Globalization.CultureInfo.InvariantCulture))];
    }

    private WebApplication BuildAggregator(FederationWorkspace workspace, IRoundObserver roundObserver)
    {
        PkiLayout pki = workspace.Pki;
        // The aggregator's own log (accepted updates and their norms, round outcomes) follows --verbose; ASP.NET's stays quiet.
        string aggregatorLogLevel = loggerFactory.CreateLogger<VirtualFederation>().IsEnabled(LogLevel.Information) ? "Information" : "Warning";
        // A finished federation reads unhealthy by design (its gRPC health says NOT_SERVING), which the periodic health
        // publisher logs as a failure: after a simulation's last round that is noise under its results.
        return AggregatorHost.Build(
            ["--Logging:LogLevel:Default", "Warning", "--Logging:LogLevel:FedFace", aggregatorLogLevel,
                "--Logging:LogLevel:Microsoft.Extensions.Diagnostics.HealthChecks", "None"],
            aggregatorOptions =>
            {
                aggregatorOptions.Port = 0;
                aggregatorOptions.Observability.ManagementPort = 0; // simulations may run side by side; the address is logged
                aggregatorOptions.CertificatePath = pki.AggregatorCertificate;
                aggregatorOptions.KeyPath = pki.AggregatorKey;
                aggregatorOptions.ModelSigningCertificatePath = pki.ModelSigningCertificate;
                aggregatorOptions.ModelSigningKeyPath = pki.ModelSigningKey;
                aggregatorOptions.CaCertificatePath = pki.CaCertificate;
                aggregatorOptions.StateDirectory = workspace.StateDirectory;
                aggregatorOptions.InitialModelPath = workspace.InitialModelPath;
                aggregatorOptions.MinSites = options.MinSites();
                aggregatorOptions.SampleFraction = options.SampleFraction;
                aggregatorOptions.TotalRounds = options.Rounds;
                aggregatorOptions.AverageLastModels = options.AverageLastModels;
                aggregatorOptions.SumInSiteOrder = options.SumInSiteOrder;
                aggregatorOptions.RoundDeadlineSeconds = options.RoundDeadlineSeconds;
                aggregatorOptions.MaxConsecutiveAbortedRounds = options.MaxConsecutiveAbortedRounds;
                aggregatorOptions.WaitRetryMilliseconds = 200;
                aggregatorOptions.SiteTimeoutSeconds = SiteTimeoutSeconds;
                aggregatorOptions.SamplingSeed = options.Seed;
                aggregatorOptions.DeterministicSampling = true; // a simulation repeats from its seed
                aggregatorOptions.Training = options.Training;
                aggregatorOptions.ServerOptimizer = options.ServerOptimizerSettings();
                aggregatorOptions.DifferentialPrivacy = options.DifferentialPrivacySettings();
                aggregatorOptions.SecureAggregation = options.SecureAggregationSettings();
                aggregatorOptions.Aggregation = options.Aggregation;
            },
            services =>
            {
                services.AddSingleton(roundObserver);
                // The simulator owns the process's signals (Ctrl+C and SIGTERM stop its sites first, then this host): the
                // embedded aggregator takes none of its own, which would stop it under sites still at work.
                services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
            });
    }

    private sealed class EmbeddedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }
}
