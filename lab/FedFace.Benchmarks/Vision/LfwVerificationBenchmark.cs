using System.Diagnostics;
using FedFace.DevelopmentData;
using FedFace.Evaluation;
using FedFace.Inference;
using FedFace.Recognition;
using FedFace.Vision;

namespace FedFace.Benchmarks.Vision;

/// <summary>
/// The LFW View 2 protocol end to end in C#, through FedFace.Recognition as <c>fedface evaluate</c> runs it: every
/// distinct image of lfw-pairs.txt aligned (YuNet, one face per image, similarity warp to the 112x112 ArcFace
/// template), embedded by the pretrained MobileFaceNet with ONNX Runtime, and scored by <see cref="LfwEvaluation"/>
/// (cosine per pair, 10-fold accuracy with the threshold chosen on the other 9 folds). The headline figures use
/// <see cref="PretrainedMobileFaceNet.Recipe"/>; the variants beside them show what each of its two choices is worth
/// (the same fixed recipe is applied to every pair; nothing is fitted to a fold).
/// </summary>
public static class LfwVerificationBenchmark
{
    public static LfwDetails Run(LfwEvaluation lfw, int workers)
    {
        ArgumentNullException.ThrowIfNull(lfw);
        Console.WriteLine($"LFW: {lfw.Pairs.Count} pairs over {lfw.PairImages.Count} distinct images, {workers} workers");

        EmbeddingRecipe recipe = PretrainedMobileFaceNet.Recipe(SharedData.MobileFaceNetOnnx, SharedData.YuNetModel, workers);
        EmbeddingRecipe largest = recipe.WithPolicy(FaceSelectionPolicy.Largest);
        EmbeddingRecipe[] variants =
        [
            recipe,
            recipe with { Flip = true },
            recipe with { Normalization = ModelInputNormalization.Symmetric, OverridesModelNeeds = true },
            largest,
            largest with { Normalization = ModelInputNormalization.Symmetric, OverridesModelNeeds = true },
        ];
        // Each selection's faces are aligned once and embedded by every variant that selects that way.
        var alignedBy = new Dictionary<FaceSelectionPolicy, AlignedPhotos>();
        Scored[] scored = [.. variants.Select(variant => Score(lfw, variant, alignedBy))];
        Scored plain = scored[0], flip = scored[1];

        AlignedPhotos aligned = alignedBy[recipe.Alignment.Policy];
        AlignedFaceBatch batch = aligned.Batch;
        return new LfwDetails(
            Detector: $"YuNet {Path.GetFileName(recipe.Detector.YuNetModelPath)} (score ≥ 0.6, NMS 0.3, input = image size), no quality gate",
            Selection: $"{PretrainedMobileFaceNet.Selection}: {PretrainedMobileFaceNet.SelectionReason}",
            EmbeddingModel: Path.GetFileName(recipe.ModelPath) + " with ONNX Runtime (FedFace.Recognition.FaceEmbedding, as fedface evaluate)",
            Normalization: $"{PretrainedMobileFaceNet.Normalization}: {PretrainedMobileFaceNet.NormalizationReason}",
            Protocol: "lfw-pairs.txt, 10 folds of 300 + 300 pairs; cosine similarity; per fold the threshold maximising accuracy on the other 9, "
                + "applied to it; mean and population std over the 10 folds. Flip: embedding = normalise(f(x) + f(mirror(x))).",
            Images: lfw.PairImages.Count, Aligned: batch.AlignedCount, NoFace: batch.NoFaceCount, Rejected: batch.RejectedCount, Unreadable: batch.UnreadableCount,
            Pairs: plain.Verification.Pairs, PairsWithoutFace: plain.Verification.PairsWithoutFace, Workers: workers,
            AlignSeconds: Math.Round(aligned.Seconds, 1), EmbedSeconds: Math.Round(plain.EmbedSeconds, 1), EmbedFlipSeconds: Math.Round(flip.EmbedSeconds, 1),
            Plain: FoldFigures.From(plain.Verification.Result.Accuracy), Flip: FoldFigures.From(flip.Verification.Result.Accuracy),
            TarAtFar1e3: Math.Round(plain.Verification.Result.TarAtFar.MeanTar, 5), TarAtFar1e3Std: Math.Round(plain.Verification.Result.TarAtFar.StdTar, 5),
            Variants: [.. scored.Select(Variant)]);
    }

    private sealed record Scored(EmbeddingRecipe Recipe, LfwVerification Verification, double EmbedSeconds);

    private static LfwVariant Variant(Scored scored) => new(
        scored.Recipe.Alignment.Policy.ToString(), scored.Recipe.EmbedderOptions.Normalization.Name, scored.Recipe.Flip,
        Math.Round(scored.Verification.Result.Accuracy.MeanAccuracy, 5), Math.Round(scored.Verification.Result.Accuracy.StdAccuracy, 5));

    /// <summary>The pairs scored with <paramref name="variant"/>'s embeddings, its faces aligned unless its selection already was.</summary>
    private static Scored Score(LfwEvaluation lfw, EmbeddingRecipe variant, Dictionary<FaceSelectionPolicy, AlignedPhotos> alignedBy)
    {
        using FaceEmbedding embedding = FaceEmbedding.Open(variant);
        FaceSelectionPolicy selection = embedding.Policy;
        if (!alignedBy.TryGetValue(selection, out AlignedPhotos? aligned))
        {
            alignedBy[selection] = aligned = embedding.AlignFiles(lfw.PairImages, new ConsoleProgress($"  aligned ({selection})", lfw.PairImages.Count, Stopwatch.GetTimestamp()));
            AlignedFaceBatch batch = aligned.Batch;
            Console.WriteLine($"  {selection}: {batch.AlignedCount} aligned, {batch.NoFaceCount} without a face, {batch.RejectedCount} rejected, "
                + $"{batch.UnreadableCount} unreadable in {aligned.Seconds:F1} s");
        }
        string label = $"  embedded ({selection}, {embedding.Normalization}{(embedding.Flip ? ", flip" : "")})";
        EmbeddedPhotos photos = embedding.Embed(aligned, new ConsoleProgress(label, aligned.Batch.AlignedCount, Stopwatch.GetTimestamp()));
        LfwVerification verification = lfw.Verify(photos);
        VerificationResult accuracy = verification.Result.Accuracy;
        Console.WriteLine($"{label}: accuracy {accuracy.MeanAccuracy:P2} ± {accuracy.StdAccuracy:P2}, "
            + $"TAR@FAR=1e-3 {verification.Result.TarAtFar.MeanTar:P2} ({photos.EmbedSeconds:F1} s)");
        return new Scored(variant, verification, photos.EmbedSeconds);
    }
}

/// <summary>A line every tenth of the work, with the rate and the time left.</summary>
internal sealed class ConsoleProgress(string label, int total, long startTimestamp) : IProgress<int>
{
    private int _lastTenth;

    public void Report(int done)
    {
        int tenth = (int)(10L * done / Math.Max(1, total));
        int last = Volatile.Read(ref _lastTenth);
        // Reported from several workers: only the one that moves the tenth on prints.
        if (tenth <= last || Interlocked.CompareExchange(ref _lastTenth, tenth, last) != last)
        {
            return;
        }
        double seconds = Stopwatch.GetElapsedTime(startTimestamp).TotalSeconds;
        double rate = done / Math.Max(seconds, 1e-9);
        Console.WriteLine($"{label} {done}/{total} ({rate:F0}/s, {(total - done) / rate:F0} s left)");
    }
}
