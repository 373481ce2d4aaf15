using FedFace.Aggregator;
using FedFace.Certs;
using FedFace.Core;
using FedFace.Core.Security;
using FedFace.Core.Storage;
using FedFace.Protocol.Storage;
using FedFace.Transport;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FedFace.Benchmarks;

/// <summary>
/// A throwaway federation for a benchmark: a temporary folder with a PKI for the sites and the version-0 model, the real
/// aggregator (AggregatorHost: Kestrel, HTTP/2, mutual TLS) on 127.0.0.1 built on them, and the sites' connections to it.
/// </summary>
public sealed class BenchFederation : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("fedface-bench-");

    public BenchFederation(int sites, ModelState initial)
    {
        SiteIds = Certs.SiteIds.Numbered("site", sites);
        Pki = FederationPki.Create(Path.Combine(_work.FullName, "pki"), SiteIds);
        ModelPath = Path.Combine(_work.FullName, "initial.ffm");
        ModelFile.Write(ModelPath, initial, version: 0);
    }

    public IReadOnlyList<string> SiteIds { get; }

    public PkiLayout Pki { get; }

    public string ModelPath { get; }

    /// <summary>An aggregator on a free loopback port with its own state folder; <paramref name="configure"/> sets the rest.</summary>
    /// <param name="logLevel">what it logs to the console: the coordinator logs every update at Information, which is not what we measure.</param>
    public WebApplication BuildAggregator(string stateName, LogLevel logLevel, Action<AggregatorOptions> configure, Action<IServiceCollection>? services = null) =>
        BuildAggregator(Pki, ModelPath, Path.Combine(_work.FullName, stateName), logLevel, configure, services);

    /// <summary>An aggregator on a free loopback port for the federation of <paramref name="pki"/> (the load benchmark's own process uses it).</summary>
    public static WebApplication BuildAggregator(PkiLayout pki, string modelPath, string stateDirectory, LogLevel logLevel, Action<AggregatorOptions> configure,
        Action<IServiceCollection>? services = null) =>
        // Its appsettings.json logs at Information; the command line overrides that.
        AggregatorHost.Build(["--Logging:LogLevel:Default", logLevel.ToString()], options =>
        {
            options.FederationName = "FedFace-Bench";
            options.ListenAddress = "127.0.0.1";
            options.Port = 0;
            options.Observability.ManagementPort = 0;
            options.CertificatePath = pki.AggregatorCertificate;
            options.KeyPath = pki.AggregatorKey;
            options.ModelSigningCertificatePath = pki.ModelSigningCertificate;
            options.ModelSigningKeyPath = pki.ModelSigningKey;
            options.CaCertificatePath = pki.CaCertificate;
            options.StateDirectory = stateDirectory;
            options.InitialModelPath = modelPath;
            configure(options);
        }, collection =>
        {
            collection.AddLogging(logging => logging.ClearProviders().AddSimpleConsole().SetMinimumLevel(logLevel));
            services?.Invoke(collection);
        });

    /// <summary>A folder inside the federation's temporary folder, deleted with it.</summary>
    public string Folder(string name) => Path.Combine(_work.FullName, name);

    /// <summary>Every site joined before it calls, its certificate known: the first round samples them all whatever the quorum.</summary>
    public void PreJoinSites(WebApplication aggregator)
    {
        foreach (string id in SiteIds)
        {
            PreJoinedSites.Register(aggregator.Services, FederationTrust.LoadCertificate(Pki.SiteCertificate(id)));
        }
    }

    /// <summary>Every site's mutual-TLS channel to the started <paramref name="aggregator"/>.</summary>
    public AggregatorConnection[] Connect(WebApplication aggregator, ILoggerFactory loggers)
    {
        string url = AggregatorHost.ListeningUri(aggregator).ToString();
        return [.. SiteIds.Select(id => new AggregatorConnection(new AggregatorEndpoint(url, Pki.SiteCertificate(id), Pki.SiteKey(id), Pki.CaCertificate), loggers))];
    }

    public void Dispose() => _work.Delete(recursive: true);
}
