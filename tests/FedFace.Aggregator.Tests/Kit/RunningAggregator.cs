using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Sites;
using FedFace.Certs;
using FedFace.Core.Privacy;
using FedFace.Core.Security;
using FedFace.Core.Training;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FedFace.Aggregator.Tests.Kit;

/// <summary>How to start one aggregator for a test; short deadlines and quick "wait" answers by default.</summary>
public sealed record AggregatorSetup(PkiLayout Pki, string StateDirectory, string InitialModelPath)
{
    /// <summary>0 picks a free port; a restart passes the port of the previous run to come back on the same address.</summary>
    public int Port { get; init; }
    public int MinSites { get; init; } = 2;
    public double SampleFraction { get; init; } = 1.0;
    public int RoundDeadlineSeconds { get; init; } = 20;
    public int TotalRounds { get; init; } = 10;
    public int AverageLastModels { get; init; } = 1;
    public int WaitRetryMilliseconds { get; init; } = 100;
    public double SiteTimeoutSeconds { get; init; } = 60;
    public bool FallBackToIntactCheckpoint { get; init; }
    public string ListenAddress { get; init; } = "127.0.0.1";
    /// <summary>Off unless a test sets it.</summary>
    public DifferentialPrivacySettings DifferentialPrivacy { get; init; } = new();
    /// <summary>What sites that really train are told (synthetic sites ignore it).</summary>
    public TrainingPlan Training { get; init; } = new();

    /// <summary>
    /// Sites registered with the coordinator before the round loop starts. A round samples the sites joined
    /// when it opens, and round 1 opens as soon as MinSites have joined; tests that want every site in
    /// round 1 with fewer MinSites than sites register them here. (Sites still call Join over the wire.)
    /// </summary>
    public IReadOnlyList<string> PreJoinedSites { get; init; } = [];

    public double MaxModelChangeRatio { get; init; } = 10;
    /// <summary>FedAvg unless a test sets another.</summary>
    public FedFace.Core.Aggregation.ServerOptimizerSettings ServerOptimizer { get; init; } = new();
    public double MinimumAbortedRoundSeconds { get; init; } = 10;
    public int MaxUploadsPerSite { get; init; } = 2;
    public double UploadChunkTimeoutSeconds { get; init; } = 30;

    /// <summary>FedAvg unless a test sets a robust rule or a norm bound.</summary>
    public FedFace.Aggregator.Strategies.Robust.AggregationSettings Aggregation { get; init; } = new();

    /// <summary>Secure aggregation's settings; null leaves it off.</summary>
    public SecureAggregationOptions? SecureAggregation { get; init; }

    /// <summary>The management port on a free port (tests run side by side), no OTLP export, unless a test says otherwise.</summary>
    public FedFace.Aggregator.Observability.ObservabilitySettings Observability { get; init; } = new() { ManagementPort = 0 };
    /// <summary>The revocation list the aggregator reloads (empty: revoked.crl beside the CA certificate).</summary>
    public string RevocationListPath { get; init; } = "";
    /// <summary>The dashboard's settings; off unless a test turns it on.</summary>
    public FedFace.Aggregator.Dashboard.DashboardOptions Dashboard { get; init; } = new();

    /// <summary>More services for the host (a test's gRPC interceptor, say).</summary>
    public Action<IServiceCollection>? MoreServices { get; init; }
}

/// <summary>
/// The real aggregator (<see cref="AggregatorHost.Build"/>: Kestrel, HTTP/2, mutual TLS, gRPC, round loop)
/// on 127.0.0.1, with a log that tests can read and an observer that tells them when rounds finish.
/// </summary>
public sealed class RunningAggregator : IAsyncDisposable
{
    private bool _stopped;

    private RunningAggregator(WebApplication app, AggregatorSetup setup, CapturedLog log, RoundRecorder rounds)
    {
        App = app;
        Setup = setup;
        Log = log;
        Rounds = rounds;
        // Resolving the round reads the committed state (and fails as a start would) before anything listens.
        app.Services.GetRequiredService<RoundRunner>();
        Coordinator = new FederationView(app.Services.GetRequiredService<CurrentModel>(), app.Services.GetRequiredService<SiteRegistry>());
        Uploads = app.Services.GetRequiredService<UploadStreams>();
    }

    public WebApplication App { get; }
    public AggregatorSetup Setup { get; }
    public CapturedLog Log { get; }
    public RoundRecorder Rounds { get; }

    /// <summary>The federation behind the service: model version, committed round, global model, joined sites.</summary>
    public FederationView Coordinator { get; }

    /// <summary>The upload streams open right now and the bytes they buffer.</summary>
    public UploadStreams Uploads { get; }

    /// <summary>The https address, once started.</summary>
    public Uri Uri { get; private set; } = null!;

    public int Port => Uri.Port;

    /// <summary>The management port's http address (/healthz, /readyz, /metrics) once started; null when it is off.</summary>
    public Uri? ManagementUri { get; private set; }
    /// <summary>The dashboard's https address once started; null when it is off.</summary>
    public Uri? DashboardUri => App.Services.GetRequiredService<FedFace.Aggregator.Admin.DashboardListener>().Uri;

    /// <summary>Builds the aggregator and loads its state (the coordinator is created) without listening yet.</summary>
    public static RunningAggregator Create(AggregatorSetup setup, CapturedLog log)
    {
        var rounds = new RoundRecorder();
        WebApplication app = AggregatorHost.Build([], options =>
        {
            options.FederationName = "FedFace-Test";
            options.ListenAddress = setup.ListenAddress;
            options.Port = setup.Port;
            options.CertificatePath = setup.Pki.AggregatorCertificate;
            options.KeyPath = setup.Pki.AggregatorKey;
            options.ModelSigningCertificatePath = setup.Pki.ModelSigningCertificate;
            options.ModelSigningKeyPath = setup.Pki.ModelSigningKey;
            options.CaCertificatePath = setup.Pki.CaCertificate;
            options.StateDirectory = setup.StateDirectory;
            options.InitialModelPath = setup.InitialModelPath;
            options.MinSites = setup.MinSites;
            options.SampleFraction = setup.SampleFraction;
            options.RoundDeadlineSeconds = setup.RoundDeadlineSeconds;
            options.TotalRounds = setup.TotalRounds;
            options.AverageLastModels = setup.AverageLastModels;
            options.WaitRetryMilliseconds = setup.WaitRetryMilliseconds;
            options.MaxModelChangeRatio = setup.MaxModelChangeRatio;
            options.ServerOptimizer = setup.ServerOptimizer;
            options.MinimumAbortedRoundSeconds = setup.MinimumAbortedRoundSeconds;
            options.MaxUploadsPerSite = setup.MaxUploadsPerSite;
            options.UploadChunkTimeoutSeconds = setup.UploadChunkTimeoutSeconds;
            options.SiteTimeoutSeconds = setup.SiteTimeoutSeconds;
            options.FallBackToIntactCheckpoint = setup.FallBackToIntactCheckpoint;
            options.DifferentialPrivacy = setup.DifferentialPrivacy;
            options.Training = setup.Training;
            options.SecureAggregation = setup.SecureAggregation ?? new SecureAggregationOptions();
            options.Aggregation = setup.Aggregation;
            options.Observability = setup.Observability;
            options.Revocation.ListPath = setup.RevocationListPath;
            options.Dashboard = setup.Dashboard;
        }, services =>
        {
            services.AddSingleton<IRoundObserver>(rounds);
            setup.MoreServices?.Invoke(services);
            services.AddLogging(logging =>
            {
                logging.ClearProviders();
                logging.AddProvider(log);
                // Our provider picks what it keeps; configuration (appsettings.json) must not filter before it.
                logging.AddFilter<CapturedLog>(category: null, LogLevel.Trace);
            });
        });
        var aggregator = new RunningAggregator(app, setup, log, rounds);
        foreach (string site in setup.PreJoinedSites)
        {
            PreJoinedSites.Register(app.Services, FederationTrust.LoadCertificate(setup.Pki.SiteCertificate(site)));
        }
        return aggregator;
    }

    public static async Task<RunningAggregator> StartAsync(AggregatorSetup setup, CapturedLog log)
    {
        RunningAggregator aggregator = Create(setup, log);
        await aggregator.StartAsync();
        return aggregator;
    }

    public async Task StartAsync()
    {
        await App.StartAsync();
        Uri = AggregatorHost.ListeningUri(App);
        ManagementUri = FedFace.Aggregator.Observability.ManagementEndpoints.Address(App);
    }

    /// <summary>Stops listening and the round loop, as a crash would (an open round is simply gone), and frees the port.</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }
        _stopped = true;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await App.StopAsync(timeout.Token);
        await App.DisposeAsync();
    }

    public async ValueTask DisposeAsync() => await StopAsync();
}
