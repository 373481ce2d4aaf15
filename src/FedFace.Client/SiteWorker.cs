using FedFace.Vision;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedFace.Client;

/// <summary>Runs the site agent as a Generic Host worker over the site's photo folder; stops the host when done.</summary>
public sealed class SiteWorker(IOptions<SiteOptions> options, ILoggerFactory loggerFactory, IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        SiteOptions site = options.Value;
        ILogger logger = loggerFactory.CreateLogger<SiteWorker>();
        using var agent = new SiteAgent(site, cancellationToken =>
        {
            using var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(site.DetectorModelPath), degreeOfParallelism: Environment.ProcessorCount);
            return SiteData.Align(SiteData.ScanFolderPerPerson(site.DataDirectory), pipeline, logger, cancellationToken);
        }, loggerFactory);
        try
        {
            await agent.RunAsync(stoppingToken);
        }
        finally
        {
            lifetime.StopApplication();
        }
    }
}
