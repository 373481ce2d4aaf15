using FedFace.Certs;
using Microsoft.Extensions.Logging;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// <c>fedface-simulator worker</c>: hosts the slice of the virtual sites whose index mod N is i, against an aggregator in
/// another process: joins them over mutual TLS, then runs the rounds they are sampled in until the federation finishes.
/// The settings (sites, seed, site work, faults) must be the federation's, so that every process picks the same sites.
/// </summary>
public sealed class WorkerProcess(SimulatorOptions options, ILoggerFactory loggerFactory, TextWriter output)
{
    public async Task RunAsync(string aggregatorUrl, string pkiDirectory, string slice, CancellationToken cancellationToken)
    {
        (int index, int count) = ParseSlice(slice);
        var pki = new PkiLayout(Path.GetFullPath(pkiDirectory));
        IReadOnlyList<string> siteIds = VirtualFederation.SiteIds(options.Sites);
        string[] hosted = [.. siteIds.Where((_, i) => i % count == index)];
        ISiteFaces? faces = options.Engine.Kind != SiteWorkKind.Train ? null
            : options.Engine.PeoplePerSite > 0 ? PooledSites.Prepare(options, output, cancellationToken).Faces
            : new ResidentFaces(SimulationData.Prepare(options, output, loggerFactory.CreateLogger<WorkerProcess>(), cancellationToken).TrainingSets);
        var joining = System.Diagnostics.Stopwatch.StartNew();
        await VirtualSiteHost.JoinAsync(aggregatorUrl, pki, hosted, loggerFactory, cancellationToken);
        output.WriteLine($"worker {index}/{count}: {hosted.Length} of {siteIds.Count} sites joined {aggregatorUrl} in {joining.Elapsed.TotalSeconds:F1}s");
        var host = new VirtualSiteHost(options, loggerFactory, output);
        await host.RunAsync(aggregatorUrl, pki, siteIds, i => i % count == index, SiteWork.For(options, faces), cancellationToken);
        output.WriteLine($"worker {index}/{count}: the federation finished");
    }

    /// <summary>What is wrong with the worker's own flags (none when nothing is).</summary>
    public static IEnumerable<string> Problems(string? aggregatorUrl, string? pkiDirectory, string? slice)
    {
        if (!Uri.TryCreate(aggregatorUrl, UriKind.Absolute, out Uri? url) || url.Scheme != Uri.UriSchemeHttps) yield return $"worker: --aggregator must be the aggregator's https URL, got '{aggregatorUrl}'";
        if (string.IsNullOrWhiteSpace(pkiDirectory) || !Directory.Exists(pkiDirectory)) yield return $"worker: --pki must be the federation's PKI folder, got '{pkiDirectory}'";
        string? sliceProblem = null;
        try
        {
            ParseSlice(slice ?? "");
        }
        catch (ArgumentException e)
        {
            sliceProblem = "worker: " + e.Message;
        }
        if (sliceProblem is not null) yield return sliceProblem;
    }

    /// <summary>"i/N" with 0 ≤ i &lt; N.</summary>
    public static (int Index, int Count) ParseSlice(string slice)
    {
        string[] parts = (slice ?? "").Split('/');
        return parts.Length == 2 && int.TryParse(parts[0], out int index) && int.TryParse(parts[1], out int count) && count >= 1 && index >= 0 && index < count
            ? (index, count)
            : throw new ArgumentException($"--slice must be i/N with 0 ≤ i < N (this worker's share of the sites: those whose index mod N is i), got '{slice}'");
    }
}
