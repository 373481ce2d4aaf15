using FedFace.Learning.Numerics;
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
        // Program.cs has made the decision (and refused to start without a correct path); a departure was written then.
        if (ConvolutionLayoutGuard.Layout == ConvolutionLayout.ChannelsLast)
        {
            logger.LogInformation("{ConvolutionPath}", ConvolutionLayoutGuard.Decision);
        }
        using var agent = new SiteAgent(site, cancellationToken =>
        {
            using FaceAlignmentPipeline pipeline = SiteData.CreatePipeline(site);
            SiteDataset dataset = SiteDataset.Scan(site.DataDirectory);
            if (dataset.IgnoredFiles.Count > 0)
            {
                logger.LogInformation("Ignored {Count} files in {Folder} that are not photos in a person's folder", dataset.IgnoredFiles.Count, dataset.Root);
            }
            return SiteData.Align(dataset.Images, pipeline, logger, site.PrepareMaskedFaces ? site.Seed : null, cancellationToken);
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
