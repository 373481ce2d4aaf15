using FedFace.Learning.Training;
using FedFace.Vision;
using Microsoft.Extensions.Logging;

namespace FedFace.Client;

/// <summary>
/// The site's training faces: every photo detected, aligned and quality-checked once (from the on-disk
/// cache when the pipeline has one), then kept in memory for all rounds. Photos with no face, faces the
/// quality gate rejects and files that cannot be read are skipped, counted by reason and logged by name;
/// the run goes on.
/// </summary>
public sealed class SiteData
{
    private SiteData(FaceTrainingSet faces, int people, AlignedFaceBatch batch)
    {
        Faces = faces;
        People = people;
        SkippedNoFace = batch.NoFaceCount;
        Rejected = batch.RejectedCount;
        Unreadable = batch.UnreadableCount;
        RejectedBy = batch.RejectedBy;
        UnreadableBy = batch.UnreadableBy;
        CacheHits = batch.CacheHits;
    }

    public FaceTrainingSet Faces { get; }
    public int People { get; }
    public int SkippedNoFace { get; }
    /// <summary>Faces found but turned away by the quality gate (<see cref="RejectedBy"/> says why).</summary>
    public int Rejected { get; }
    public int Unreadable { get; }
    public IReadOnlyDictionary<RejectionReason, int> RejectedBy { get; }
    public IReadOnlyDictionary<UnreadableReason, int> UnreadableBy { get; }
    public int CacheHits { get; }
    public int Examples => Faces.Labels.Length;

    /// <summary>
    /// The pipeline a site runs from its settings: YuNet, the default face choice and quality gate, the
    /// aligned-crop cache under <see cref="SiteOptions.AlignedCacheDirectory"/> when set, a worker per core.
    /// </summary>
    public static FaceAlignmentPipeline CreatePipeline(SiteOptions site)
    {
        ArgumentNullException.ThrowIfNull(site);
        var detector = new DetectorOptions { Kind = DetectorKind.YuNet, YuNetModelPath = site.DetectorModelPath };
        return FaceAlignmentPipeline.Create(detector, new FacePipelineSettings(),
            string.IsNullOrWhiteSpace(site.AlignedCacheDirectory) ? null : site.AlignedCacheDirectory, Environment.ProcessorCount);
    }

    public static SiteData Align(IReadOnlyList<LabelledImage> images, FaceAlignmentPipeline pipeline, ILogger logger, CancellationToken cancellationToken = default)
    {
        AlignedFaceBatch batch = pipeline.ProcessMany(images.Select(i => i.Path).ToArray(), cancellationToken: cancellationToken);
        var labelOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var kept = new List<int>();
        var labels = new List<int>();
        for (int i = 0; i < images.Count; i++)
        {
            AlignmentResult result = batch.Results[i];
            if (result.Outcome != AlignmentOutcome.Aligned)
            {
                logger.LogWarning("Skipped {Path}: {Reason}", images[i].Path, result.Reason);
                continue;
            }
            // Labels are dense over the people who kept at least one face: the ArcFace head has a class per person.
            if (!labelOf.TryGetValue(images[i].Person, out int label))
            {
                label = labelOf.Count;
                labelOf.Add(images[i].Person, label);
            }
            kept.Add(i);
            labels.Add(label);
        }
        float[] all = new float[kept.Count * FaceTensor.Length];
        for (int k = 0; k < kept.Count; k++)
        {
            batch.Results[kept[k]].ToTensor().CopyTo(all, k * FaceTensor.Length);
        }
        var data = new SiteData(new FaceTrainingSet(all, labels.ToArray(), labelOf.Count), labelOf.Count, batch);
        logger.LogInformation(
            "Site data: {Faces} faces of {People} people ({NoFace} photos without a face, {Rejected} faces rejected [{RejectedBy}], {Unreadable} unreadable [{UnreadableBy}], {CacheHits} from the cache)",
            data.Examples, data.People, data.SkippedNoFace, data.Rejected, Describe(data.RejectedBy), data.Unreadable, Describe(data.UnreadableBy), data.CacheHits);
        return data;
    }

    private static string Describe<TReason>(IReadOnlyDictionary<TReason, int> counts) where TReason : struct, Enum =>
        string.Join(", ", counts.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"));
}
