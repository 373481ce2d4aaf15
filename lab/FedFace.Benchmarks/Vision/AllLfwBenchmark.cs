using System.Diagnostics;
using FedFace.DevelopmentData;
using FedFace.Evaluation;
using FedFace.Evaluation.Identification;
using FedFace.Recognition;
using FedFace.Vision;

namespace FedFace.Benchmarks.Vision;

/// <summary>
/// All 13,233 LFW images through the <see cref="PretrainedMobileFaceNet.Recipe"/> pipeline, as <c>fedface evaluate
/// --all-pairs --identification</c> runs it: the exact all-pairs protocol (every genuine pair against ~87 million
/// impostor pairs, so TAR can be read at FAR = 1e-6, which LFW's 6,000 pairs cannot measure) and the 1:N identification
/// protocol (first image of each person with two or more enrolled, the rest probes, one-image people as distractors).
/// </summary>
public static class AllLfwBenchmark
{
    public static AllLfwDetails Run(LfwEvaluation lfw, int workers)
    {
        ArgumentNullException.ThrowIfNull(lfw);
        IReadOnlyList<LabelledImage> images = lfw.EveryImage();
        int people = images.Select(i => i.Person).Distinct().Count();
        Console.WriteLine($"All of LFW: {images.Count} images of {people} people, {workers} workers");

        using FaceEmbedding embedding = FaceEmbedding.Open(PretrainedMobileFaceNet.Recipe(SharedData.MobileFaceNetOnnx, SharedData.YuNetModel, workers));
        EmbeddedPhotos photos = embedding.EmbedFiles([.. images.Select(i => i.Path)],
            new ConsoleProgress("  aligned and embedded (all LFW)", images.Count, Stopwatch.GetTimestamp()));
        LabelledEmbeddings withFace = LabelledEmbeddings.Of(images, photos);
        Console.WriteLine($"  {withFace.Images.Count} with a face; aligned in {photos.AlignSeconds:F1} s, embedded in {photos.EmbedSeconds:F1} s");

        long start = Stopwatch.GetTimestamp();
        AllPairsResult allPairs = withFace.AllPairs(AllPairsVerification.StandardFars);
        double allPairsSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        foreach (AllPairsTarAtFar point in allPairs.Points)
        {
            Console.WriteLine($"  all pairs: TAR {point.Tar:P2} at FAR {point.TargetFar:0e0} (threshold {point.Threshold:F4}, {point.FalseAccepts} false accepts)");
        }
        IdentificationResult identification = withFace.Identification(AllPairsVerification.StandardFars);
        Console.WriteLine($"  identification: gallery {identification.GallerySize}, rank-1 {identification.Rank1Accuracy:P2}, rank-5 {identification.Rank5Accuracy:P2}");

        return new AllLfwDetails(
            Images: images.Count, People: people, Embedded: withFace.Images.Count,
            Excluded: $"{images.Count - withFace.Images.Count} images without an aligned face are left out of both protocols",
            AlignSeconds: Math.Round(photos.AlignSeconds, 1), EmbedSeconds: Math.Round(photos.EmbedSeconds, 1), AllPairsSeconds: Math.Round(allPairsSeconds, 2),
            AllPairs: allPairs, Identification: identification,
            IdentificationSplit: "people with 2+ images: first image (file order) enrolled as the template, the others mated probes; "
                + "people with one image: non-mated probes (distractors); DIR at FAR over the distractors' top-1 scores");
    }
}
