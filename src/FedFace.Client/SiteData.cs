using FedFace.Learning;
using FedFace.Learning.Training;
using FedFace.Vision;
using Microsoft.Extensions.Logging;

namespace FedFace.Client;

/// <summary>A photo at the site and whose it is.</summary>
public sealed record LabelledImage(string Path, string Person);

/// <summary>
/// The site's training faces: every photo detected and aligned once, then kept in memory for all rounds.
/// Photos with no face or that cannot be read are skipped, counted and logged by name; the run goes on.
/// </summary>
public sealed class SiteData
{
    private SiteData(FaceTrainingSet faces, int people, int skippedNoFace, int unreadable)
    {
        Faces = faces;
        People = people;
        SkippedNoFace = skippedNoFace;
        Unreadable = unreadable;
    }

    public FaceTrainingSet Faces { get; }
    public int People { get; }
    public int SkippedNoFace { get; }
    public int Unreadable { get; }
    public int Examples => Faces.Labels.Length;

    /// <summary>Lists a folder per person (jpg, jpeg, png, pgm, bmp, webp).</summary>
    public static IReadOnlyList<LabelledImage> ScanFolderPerPerson(string root)
    {
        string[] extensions = [".jpg", ".jpeg", ".png", ".pgm", ".bmp", ".webp"];
        return Directory.EnumerateDirectories(root).Order(StringComparer.Ordinal)
            .SelectMany(person => Directory.EnumerateFiles(person).Order(StringComparer.Ordinal)
                .Where(file => extensions.Contains(Path.GetExtension(file).ToLowerInvariant()))
                .Select(file => new LabelledImage(file, Path.GetFileName(person))))
            .ToArray();
    }

    public static SiteData Align(IReadOnlyList<LabelledImage> images, FaceAlignmentPipeline pipeline, ILogger logger, CancellationToken cancellationToken = default)
    {
        AlignedFaceBatch batch = pipeline.ProcessMany(images.Select(i => i.Path).ToArray(), cancellationToken: cancellationToken);
        var labelOf = new Dictionary<string, int>(StringComparer.Ordinal);
        var pixels = new List<float[]>();
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
            pixels.Add(result.Pixels!);
            labels.Add(label);
        }
        float[] all = new float[pixels.Count * FaceTensor.Length];
        for (int i = 0; i < pixels.Count; i++)
        {
            pixels[i].CopyTo(all, i * FaceTensor.Length);
        }
        var data = new SiteData(new FaceTrainingSet(all, labels.ToArray(), labelOf.Count), labelOf.Count, batch.NoFaceCount, batch.UnreadableCount);
        logger.LogInformation("Site data: {Faces} faces of {People} people ({NoFace} photos without a face, {Unreadable} unreadable)",
            data.Examples, data.People, data.SkippedNoFace, data.Unreadable);
        return data;
    }
}
