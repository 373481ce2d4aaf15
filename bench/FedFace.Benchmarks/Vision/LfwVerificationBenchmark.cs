using System.Diagnostics;
using FedFace.Core;
using FedFace.Evaluation;
using FedFace.Inference;
using FedFace.Vision;

namespace FedFace.Benchmarks.Vision;

/// <summary>
/// The LFW View 2 protocol end to end in C#: every distinct image of lfw-pairs.txt through the alignment pipeline
/// (YuNet, one face per image, similarity warp to the 112x112 ArcFace template), embedded by the pretrained
/// MobileFaceNet with ONNX Runtime, each pair scored by cosine similarity, 10-fold accuracy with the threshold
/// chosen on the other 9 folds. The headline figures use <see cref="VisionRecipe"/>; the variants beside them show
/// what each of its two choices is worth (the same fixed recipe is applied to every pair; nothing is fitted to a fold).
/// </summary>
public static class LfwVerificationBenchmark
{
    // A pair with a faceless image is called "different": below every cosine of real faces.
    private const double NoFaceScore = -1;

    /// <summary>The pairs and their distinct image paths, in order of first appearance.</summary>
    public static (IReadOnlyList<LfwPair> Pairs, IReadOnlyList<string> Images) Load()
    {
        IReadOnlyList<LfwPair> pairs = LfwPairsFile.Read(SharedData.LfwPairsFile);
        string[] images = [.. pairs.SelectMany(p => new[] { SharedData.LfwImage(p.Person1, p.Image1), SharedData.LfwImage(p.Person2, p.Image2) }).Distinct()];
        return (pairs, images);
    }

    public static LfwDetails Run(int workers)
    {
        (IReadOnlyList<LfwPair> pairs, IReadOnlyList<string> images) = Load();
        Console.WriteLine($"LFW: {pairs.Count} pairs over {images.Count} distinct images, {workers} workers");

        AlignedSet recipe = Align(images, VisionRecipe.Selection, workers);
        Scored plain = Score(pairs, images, recipe, VisionRecipe.Normalization, flip: false, workers);
        Scored flip = Score(pairs, images, recipe, VisionRecipe.Normalization, flip: true, workers);

        AlignedSet largest = Align(images, FaceSelectionPolicy.Largest, workers);
        LfwVariant[] variants =
        [
            Variant(recipe, VisionRecipe.Normalization, plain),
            Variant(recipe, VisionRecipe.Normalization, flip, flip: true),
            Variant(recipe, ModelInputNormalization.Symmetric, Score(pairs, images, recipe, ModelInputNormalization.Symmetric, flip: false, workers)),
            Variant(largest, VisionRecipe.Normalization, Score(pairs, images, largest, VisionRecipe.Normalization, flip: false, workers)),
            Variant(largest, ModelInputNormalization.Symmetric, Score(pairs, images, largest, ModelInputNormalization.Symmetric, flip: false, workers)),
        ];

        AlignedFaceBatch batch = recipe.Batch;
        return new LfwDetails(
            Detector: $"YuNet {Path.GetFileName(SharedData.YuNetModel)} (score ≥ 0.6, NMS 0.3, input = image size), no quality gate",
            Selection: $"{VisionRecipe.Selection}: {VisionRecipe.SelectionReason}",
            EmbeddingModel: Path.GetFileName(SharedData.MobileFaceNetOnnx) + " with ONNX Runtime (FedFace.Inference.OnnxFaceEmbedder)",
            Normalization: $"{VisionRecipe.Normalization}: {VisionRecipe.NormalizationReason}",
            Protocol: "lfw-pairs.txt, 10 folds of 300 + 300 pairs; cosine similarity; per fold the threshold maximising accuracy on the other 9, "
                + "applied to it; mean and population std over the 10 folds. Flip: embedding = normalise(f(x) + f(mirror(x))).",
            Images: images.Count, Aligned: batch.AlignedCount, NoFace: batch.NoFaceCount, Rejected: batch.RejectedCount, Unreadable: batch.UnreadableCount,
            Pairs: pairs.Count, PairsWithoutFace: plain.PairsWithoutFace, Workers: workers,
            AlignSeconds: Math.Round(recipe.Seconds, 1), EmbedSeconds: Math.Round(plain.EmbedSeconds, 1), EmbedFlipSeconds: Math.Round(flip.EmbedSeconds, 1),
            Plain: FoldFigures.From(plain.Result), Flip: FoldFigures.From(flip.Result), Variants: variants);
    }

    private sealed record AlignedSet(FaceSelectionPolicy Selection, AlignedFaceBatch Batch, double Seconds);

    private sealed record Scored(VerificationResult Result, int PairsWithoutFace, double EmbedSeconds);

    private static LfwVariant Variant(AlignedSet set, ModelInputNormalization normalization, Scored scored, bool flip = false) =>
        new(set.Selection.ToString(), normalization.Name, flip, Math.Round(scored.Result.MeanAccuracy, 5), Math.Round(scored.Result.StdAccuracy, 5));

    private static AlignedSet Align(IReadOnlyList<string> images, FaceSelectionPolicy selection, int workers)
    {
        using var pipeline = new FaceAlignmentPipeline(() => new YuNetFaceDetector(SharedData.YuNetModel),
            FacePipelineSettings.Ungated with { Policy = selection }, cache: null, degreeOfParallelism: workers);
        long start = Stopwatch.GetTimestamp();
        AlignedFaceBatch batch = pipeline.ProcessMany(images, new ConsoleProgress($"  aligned ({selection})", images.Count, start));
        double seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
        Console.WriteLine($"  {selection}: {batch.AlignedCount} aligned, {batch.NoFaceCount} without a face, {batch.RejectedCount} rejected, "
            + $"{batch.UnreadableCount} unreadable in {seconds:F1} s");
        return new AlignedSet(selection, batch, seconds);
    }

    private static Scored Score(IReadOnlyList<LfwPair> pairs, IReadOnlyList<string> images, AlignedSet set, ModelInputNormalization normalization, bool flip, int workers)
    {
        int[] alignedIndex = [.. Enumerable.Range(0, images.Count).Where(i => set.Batch.Results[i].Outcome == AlignmentOutcome.Aligned)];
        AlignmentResult[] faces = [.. alignedIndex.Select(i => set.Batch.Results[i])];
        var options = new OnnxFaceEmbedderOptions { Normalization = normalization, FlipTestTimeAugmentation = flip, IntraOpThreads = 1 };
        string label = $"  embedded ({set.Selection}, {normalization}{(flip ? ", flip" : "")})";
        (float[][] embeddings, double seconds) = EmbedAll(faces, options, workers, label);

        var slot = new Dictionary<string, int>(alignedIndex.Length);
        for (int k = 0; k < alignedIndex.Length; k++)
        {
            slot.Add(images[alignedIndex[k]], k);
        }
        int pairsWithoutFace = 0;
        double[] scores = new double[pairs.Count];
        for (int i = 0; i < pairs.Count; i++)
        {
            LfwPair pair = pairs[i];
            if (slot.TryGetValue(SharedData.LfwImage(pair.Person1, pair.Image1), out int a) && slot.TryGetValue(SharedData.LfwImage(pair.Person2, pair.Image2), out int b))
            {
                scores[i] = Similarity.Dot(embeddings[a], embeddings[b]);
            }
            else
            {
                pairsWithoutFace++;
                scores[i] = NoFaceScore;
            }
        }
        VerificationResult result = VerificationEvaluator.KFoldAccuracy(scores, [.. pairs.Select(p => p.SamePerson)], [.. pairs.Select(p => p.Fold)]);
        Console.WriteLine($"{label}: accuracy {result.MeanAccuracy:P2} ± {result.StdAccuracy:P2} ({seconds:F1} s)");
        return new Scored(result, pairsWithoutFace, seconds);
    }

    /// <summary>
    /// Embeds <paramref name="faces"/> with one session shared by <paramref name="workers"/> threads (one intra-op thread each),
    /// making tensors a chunk at a time (all of them at once would be 1.2 GB).
    /// </summary>
    private static (float[][] Embeddings, double Seconds) EmbedAll(AlignmentResult[] faces, OnnxFaceEmbedderOptions options, int workers, string label)
    {
        const int Chunk = 64;
        using var embedder = new OnnxFaceEmbedder(SharedData.MobileFaceNetOnnx, options);
        var embeddings = new float[faces.Length][];
        long start = Stopwatch.GetTimestamp();
        var progress = new ConsoleProgress(label, faces.Length, start);
        int done = 0;
        Parallel.For(0, (faces.Length + Chunk - 1) / Chunk, new ParallelOptions { MaxDegreeOfParallelism = workers }, chunk =>
        {
            int first = chunk * Chunk, count = Math.Min(Chunk, faces.Length - first);
            embedder.EmbedMany([.. faces[first..(first + count)].Select(face => face.ToTensor())]).CopyTo(embeddings, first);
            progress.Report(Interlocked.Add(ref done, count));
        });
        return (embeddings, Stopwatch.GetElapsedTime(start).TotalSeconds);
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
