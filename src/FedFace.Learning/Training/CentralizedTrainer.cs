using FedFace.Core;
using FedFace.Core.Aggregation;
using FedFace.Core.Training;
using FedFace.Learning.Backbones;

namespace FedFace.Learning.Training;

/// <summary>The backbone a centralised run ends with, and what the run did.</summary>
public sealed record CentralizedTrainingResult(ModelState Backbone, LocalTrainingReport Report);

/// <summary>
/// The baseline a federation is measured against: every site's faces pooled in one place (each site's people
/// become their own classes of one label space) and trained as one site would be, with the same optimiser,
/// schedule, head and augmentation. For the same epoch budget give it <c>Epochs</c> = rounds × local epochs.
/// </summary>
public static class CentralizedTrainer
{
    /// <summary>
    /// Trains from <paramref name="initial"/> on the pooled <paramref name="sites"/>. FedProx and FedBN mean nothing
    /// without a federation and are switched off. With <paramref name="averageLastModels"/> &gt; 1 the result is the
    /// mean of the models at the end of the last that many spans of <paramref name="epochsPerModel"/> epochs (the
    /// federation's last rounds' worth), as a federation that publishes the mean of its last models; a run that stops
    /// early averages those of them it reached (none: its final model).
    /// </summary>
    public static CentralizedTrainingResult Train(IReadOnlyList<FaceTrainingSet> sites, ModelState initial, TrainingPlan options,
        int seed, CancellationToken cancellationToken = default, int averageLastModels = 1, int epochsPerModel = 1)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(averageLastModels);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(epochsPerModel);
        FaceTrainingSet pooled = Pool(sites);
        using var model = new SiteModel(pooled.ClassCount, seed, BackboneArchitecture.Of(initial));
        model.LoadGlobal(initial);
        var lastModels = new List<ModelState>();
        int firstAveragedEpoch = options.LocalEpochs - (averageLastModels - 1) * epochsPerModel;
        LocalTrainingReport report = model.Train(pooled, options with { FedProxMu = 0, KeepBatchNormLocal = false }, cancellationToken,
            afterEpoch: epoch =>
            {
                if (averageLastModels > 1 && epoch >= firstAveragedEpoch && (options.LocalEpochs - epoch) % epochsPerModel == 0)
                {
                    lastModels.Add(model.ExportBackbone());
                }
            });
        return new CentralizedTrainingResult(lastModels.Count > 0 ? ModelAverage.Mean(lastModels) : model.ExportBackbone(), report);
    }

    /// <summary>
    /// All sites' faces in one set; site k's labels are shifted past those of sites 0..k−1, so no two sites share a class.
    /// Masked renderings are kept when every site has them.
    /// </summary>
    public static FaceTrainingSet Pool(IReadOnlyList<FaceTrainingSet> sites)
    {
        ArgumentNullException.ThrowIfNull(sites);
        if (sites.Count == 0)
        {
            throw new ArgumentException("pooling needs at least one site", nameof(sites));
        }
        foreach (FaceTrainingSet site in sites)
        {
            site.Validate();
        }
        var pixels = new float[sites.Sum(s => s.Pixels.LongLength)];
        float[]? masked = sites.All(s => s.MaskedPixels is not null) ? new float[pixels.LongLength] : null;
        var labels = new int[sites.Sum(s => s.ImageCount)];
        long pixelOffset = 0;
        int imageOffset = 0, classOffset = 0;
        foreach (FaceTrainingSet site in sites)
        {
            site.Pixels.CopyTo(pixels, pixelOffset);
            if (masked is not null)
            {
                site.MaskedPixels!.CopyTo(masked, pixelOffset);
            }
            for (int i = 0; i < site.ImageCount; i++)
            {
                labels[imageOffset + i] = classOffset + site.Labels[i];
            }
            pixelOffset += site.Pixels.LongLength;
            imageOffset += site.ImageCount;
            classOffset += site.ClassCount;
        }
        return new FaceTrainingSet(pixels, labels, classOffset, masked);
    }
}
