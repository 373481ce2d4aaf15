using FedFace.Certs;
using FedFace.Client;
using FedFace.Protocol;
using FedFace.Protos.V1;
using FedFace.Transport;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// The virtual sites one process hosts (all of them, or a worker process's slice) and the engine that runs them against
/// the aggregator at a URL, with the options' faults, attacks and secure-stage dropouts (all chosen among every site, so
/// each process picks the same ones).
/// </summary>
/// <param name="progress">Told as sites finish their rounds (a live progress line), besides the engine's own measurements.</param>
public sealed class VirtualSiteHost(SimulatorOptions options, ILoggerFactory loggerFactory, TextWriter output, IEngineProgress? progress = null)
{
    private static readonly TimeSpan s_statusPollInterval = TimeSpan.FromMilliseconds(200);

    public EngineMeasurements? Measurements { get; private set; }

    /// <param name="hosts">Whether this process hosts the site at an index among <paramref name="siteIds"/>.</param>
    /// <param name="workFor">A site's local work, given the workers' networks and the site's logger.</param>
    public async Task RunAsync(string aggregatorUrl, PkiLayout pki, IReadOnlyList<string> siteIds, Func<int, bool> hosts,
        Func<VirtualSite, NetworkPool, ILogger, ILocalWork> workFor, CancellationToken cancellationToken)
    {
        var byzantine = new ByzantineSites(siteIds.TakeLast(options.Byzantine.CountOf(siteIds.Count)), options.Byzantine, options.Seed);
        if (byzantine.Attackers.Count > 0)
        {
            output.WriteLine($"Byzantine sites (simulated attack, {options.Byzantine.Attack} ×{options.Byzantine.Scale:G3}): {string.Join(", ", byzantine.Attackers)}; aggregation {options.Aggregation.Rule}");
        }
        using var vanishing = new SiteVanishing(siteIds.TakeLast(options.DropSites), SiteVanishing.StageOf(options.DropAt), output, cancellationToken);
        var faults = new SiteFaults(options.Faults, siteIds, output);
        foreach (string line in faults.Describe())
        {
            output.WriteLine(line);
        }
        VirtualSite[] sites = [.. siteIds.Select((id, i) => new VirtualSite(i, id, new AggregatorEndpoint(aggregatorUrl, pki.SiteCertificate(id), pki.SiteKey(id), pki.CaCertificate), options.Seed * 100 + i))
            .Where(site => hosts(site.Index))];
        EngineSettings engine = options.Engine;
        using var networks = new NetworkPool(engine.WorkerCount);
        RecordedUpdates? recording = string.IsNullOrWhiteSpace(engine.RecordUpdates) ? null : new RecordedUpdates(engine.RecordUpdates);
        Measurements = new EngineMeasurements(engine.WorkerCount, output);
        var runner = new VirtualSiteEngine(sites, new SampledRounds(new AggregatorEndpoint(aggregatorUrl, pki.OperatorCertificate, pki.OperatorKey, pki.CaCertificate), s_statusPollInterval,
                loggerFactory.CreateLogger<SampledRounds>()),
            site =>
            {
                ILocalWork work = workFor(site, networks, loggerFactory.CreateLogger($"FedFace.Site.{site.Id}"));
                return recording is null ? work : new RecordingWork(site, work, recording);
            },
            engine, loggerFactory, new SiteRoundHooks(byzantine, vanishing), faults, vanishing, new EngineProgressFanOut(Measurements, progress));
        await runner.RunAsync(cancellationToken);
    }

    /// <summary>
    /// Joins each site over the wire with its own certificate, a few at a time: a worker process against an aggregator
    /// that did not register them (registering is idempotent where it did).
    /// </summary>
    public static async Task JoinAsync(string aggregatorUrl, PkiLayout pki, IEnumerable<string> siteIds, ILoggerFactory loggerFactory, CancellationToken cancellationToken)
    {
        await Parallel.ForEachAsync(siteIds, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (id, ct) =>
        {
            using var connection = new AggregatorConnection(new AggregatorEndpoint(aggregatorUrl, pki.SiteCertificate(id), pki.SiteKey(id), pki.CaCertificate), loggerFactory);
            Polly.ResiliencePipeline retry = TransientFaults.CreatePipeline(new RetrySettings(GiveUpAfter: TimeSpan.FromMinutes(2)), loggerFactory.CreateLogger($"FedFace.Site.{id}"));
            await retry.ExecuteAsync(async token => await connection.Client.JoinAsync(
                new JoinRequest { ProtocolVersion = WireProtocol.Version, ClientVersion = "fedface-virtual-site/1" }, cancellationToken: token), ct);
        });
    }
}
