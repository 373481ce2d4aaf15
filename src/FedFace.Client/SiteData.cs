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
    /// <summary>The fewest people whose faces a site can train on: its ArcFace head learns to tell people apart.</summary>
    public const int MinimumPeople = 2;

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

    /// <summary>Why these faces cannot train a round (null when they can).</summary>
    public string? Shortfall => People >= MinimumPeople ? null
        : $"this site has usable faces of only {People} {PeopleNoun(People)}; training needs at least {MinimumPeople} people with a usable face each";

    /// <summary>
    /// What the site's data folder lacks, said at start-up with what was found and what was turned away (null when
    /// nothing is lacking); <paramref name="ignoredFiles"/> counts the files that are not photos in a person's folder.
    /// </summary>
    public string? FolderShortfall(string folder, int ignoredFiles) => Shortfall is null ? null
        : $"site data folder {folder} has {Examples} usable faces of {People} {PeopleNoun(People)}; training needs at least {MinimumPeople} people "
            + $"with a usable face each (a folder per person holding their photos); turned away: {SkippedNoFace} photos without a face, "
            + $"{Rejected} faces rejected [{Describe(RejectedBy)}], {Unreadable} unreadable [{Describe(UnreadableBy)}], {ignoredFiles} other files ignored";

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

    /// <param name="maskedRenderingSeed">
    /// When set, every kept face also gets a masked rendering (<see cref="FaceTrainingSet.MaskedPixels"/>) for mask
    /// augmentation, each in a mask colour drawn from a generator with this seed.
    /// </param>
    public static SiteData Align(IReadOnlyList<LabelledImage> images, FaceAlignmentPipeline pipeline, ILogger logger,
        int? maskedRenderingSeed = null, CancellationToken cancellationToken = default)
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
        float[]? masked = maskedRenderingSeed is null ? null : new float[all.Length];
        var colours = new Random(maskedRenderingSeed ?? 0);
        for (int k = 0; k < kept.Count; k++)
        {
            AlignedFace face = batch.Results[kept[k]].Face!;
            face.ToTensor().CopyTo(all, k * FaceTensor.Length);
            if (masked is not null)
            {
                MaskedTensor(face, pipeline.Settings.Template, colours).CopyTo(masked, k * FaceTensor.Length);
            }
        }
        var data = new SiteData(new FaceTrainingSet(all, labels.ToArray(), labelOf.Count, masked), labelOf.Count, batch);
        logger.LogInformation(
            "Site data: {Faces} faces of {People} people ({NoFace} photos without a face, {Rejected} faces rejected [{RejectedBy}], {Unreadable} unreadable [{UnreadableBy}], {CacheHits} from the cache)",
            data.Examples, data.People, data.SkippedNoFace, data.Rejected, Describe(data.RejectedBy), data.Unreadable, Describe(data.UnreadableBy), data.CacheHits);
        return data;
    }

    /// <summary>
    /// The face with a synthetic lower-face mask drawn on its aligned crop, in a colour drawn from <paramref name="colours"/>,
    /// as network input (RGB CHW, (x − 127.5) / 127.5).
    /// </summary>
    public static float[] MaskedTensor(AlignedFace face, AlignmentTemplate template, Random colours)
    {
        ArgumentNullException.ThrowIfNull(face);
        ArgumentNullException.ThrowIfNull(colours);
        using OpenCvSharp.Mat crop = face.ToMat();
        SyntheticMask.ApplyToAligned(crop, template, SyntheticMask.Colours[colours.Next(SyntheticMask.Colours.Count)]);
        var tensor = new float[FaceTensor.Length];
        FaceTensor.WriteNormalizedRgbChw(crop, tensor);
        return tensor;
    }

    private static string PeopleNoun(int count) => count == 1 ? "person" : "people";

    private static string Describe<TReason>(IReadOnlyDictionary<TReason, int> counts) where TReason : struct, Enum =>
        string.Join(", ", counts.OrderBy(p => p.Key).Select(p => $"{p.Key}: {p.Value}"));
}
