using FedFace.Learning.Numerics;
using FedFace.Vision;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FedFace.Client;

/// <summary>
/// Runs the site agent as a Generic Host worker over the site's photo folder; stops the host when done. The faces are
/// aligned at start-up, so a folder that cannot train is said at once rather than after joining a round. A fault that
/// ends the run goes to <see cref="SiteExit"/>, for a non-zero exit code.
/// </summary>
public sealed class SiteWorker(IOptions<SiteOptions> options, ILoggerFactory loggerFactory, IHostApplicationLifetime lifetime, SiteExit exit)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        SiteOptions site = options.Value;
        // Program.cs has made the decision (and refused to start without a correct path); a departure was written then.
        if (ConvolutionLayoutGuard.Layout == ConvolutionLayout.ChannelsLast)
        {
            loggerFactory.CreateLogger<SiteWorker>().LogInformation("{ConvolutionPath}", ConvolutionLayoutGuard.Decision);
        }
        try
        {
            SiteData? data = null;
            // The agent checks this site's certificate as it is made: a wrong one is said before a long alignment, not after.
            using var agent = new SiteAgent(site, _ => data!, loggerFactory);
            data = await Task.Run(() => LoadData(site, stoppingToken), stoppingToken);
            agent.UseAlignedFaces(data);
            await agent.RunAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopped, as asked (Ctrl+C, SIGTERM): not a failure.
        }
        catch (Exception e)
        {
            exit.Fail(SiteFailure.Describe(e, site));
        }
        finally
        {
            lifetime.StopApplication();
        }
    }

    /// <exception cref="FatalSiteException">when the folder's faces cannot train a round, saying what it lacks.</exception>
    private SiteData LoadData(SiteOptions site, CancellationToken cancellationToken)
    {
        ILogger logger = loggerFactory.CreateLogger<SiteWorker>();
        using FaceAlignmentPipeline pipeline = SiteData.CreatePipeline(site);
        SiteDataset dataset = SiteDataset.Scan(site.DataDirectory);
        if (dataset.IgnoredFiles.Count > 0)
        {
            logger.LogInformation("Ignored {Count} files in {Folder} that are not photos in a person's folder", dataset.IgnoredFiles.Count, dataset.Root);
        }
        SiteData data = SiteData.Align(dataset.Images, pipeline, logger, site.PrepareMaskedFaces ? site.Seed : null, cancellationToken);
        return data.FolderShortfall(dataset.Root, dataset.IgnoredFiles.Count) is { } shortfall ? throw new FatalSiteException(shortfall) : data;
    }
}
