using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FedFace.Aggregator.Collection;
using FedFace.Aggregator.Rounds;
using FedFace.Aggregator.SecureAggregation;
using FedFace.Aggregator.Sites;
using FedFace.Aggregator.Strategies;
using FedFace.Aggregator.Tests.Kit;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedFace.Aggregator.Tests.Rounds;

/// <summary>
/// The round's classes wired as the aggregator wires them, without Kestrel or TLS: a state directory (its own, removed
/// when it is disposed, unless the test hands one in), a self-signed model-signing key, and the collector, strategy and
/// clock a test hands in.
/// </summary>
public sealed class RoundBench : IDisposable
{
    private static readonly Lazy<X509Certificate2> SigningCertificate = new(MakeSigningCertificate);

    private readonly ServiceProvider _services;
    private readonly string? _ownDirectory;

    public RoundBench(ModelState initial, IUpdateCollector? collector = null, TimeProvider? clock = null,
        Action<AggregatorOptions>? configure = null, IAggregationStrategy? strategy = null, string? stateDirectory = null)
    {
        if (stateDirectory is null)
        {
            stateDirectory = _ownDirectory = Directory.CreateTempSubdirectory("fedface-round-bench-").FullName;
        }
        var options = new AggregatorOptions
        {
            FederationName = "FedFace-Test",
            StateDirectory = stateDirectory,
            InitialModelPath = TestFederation.WriteInitialModel(stateDirectory, initial),
            MinSites = 2,
            TotalRounds = 10,
            RoundDeadlineSeconds = 20,
            DeterministicSampling = true,
        };
        configure?.Invoke(options);
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.AddProvider(Log).SetMinimumLevel(LogLevel.Debug));
        services.AddSingleton(Options.Create(options));
        services.AddSingleton(clock ?? TimeProvider.System);
        services.AddSingleton(options.ServerOptimizer.Create());
        services.AddSingleton(new ModelSigner(SigningCertificate.Value, options.FederationName));
        services.AddSingleton<SiteCertificates>();
        services.AddSingleton<SecureRounds>();
        services.AddRounds();
        // Registered after AddRounds: the last registration is the one resolved.
        if (collector is not null)
        {
            services.AddSingleton(collector);
        }
        if (strategy is not null)
        {
            services.AddSingleton(strategy);
        }
        _services = services.BuildServiceProvider();
    }

    public CapturedLog Log { get; } = new();

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public RoundRunner Runner => Get<RoundRunner>();

    public CurrentModel Model => Get<CurrentModel>();

    public CheckpointStore Checkpoints => Get<CheckpointStore>();

    public void Join(params string[] sites)
    {
        foreach (string site in sites)
        {
            Get<SiteRegistry>().Join(site);
        }
    }

    /// <summary>Opens the next round and makes it the current one, as the runner does before it collects.</summary>
    public OpenRound OpenRound()
    {
        OpenRound round = Get<RoundConfigurator>().Configure(out string refusal) ?? throw new InvalidOperationException(refusal);
        Get<CurrentRound>().Replace(round);
        return round;
    }

    public async Task<RoundSummary> RunRoundAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await Runner.RunAsync(timeout.Token) ?? throw new InvalidOperationException("no round opened");
    }

    public void Dispose()
    {
        _services.Dispose();
        if (_ownDirectory is not null)
        {
            Directory.Delete(_ownDirectory, recursive: true);
        }
    }

    private static X509Certificate2 MakeSigningCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=model-signing", key, HashAlgorithmName.SHA256);
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
