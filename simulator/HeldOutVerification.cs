using FedFace.Client;
using FedFace.Core;
using FedFace.DevelopmentData;
using FedFace.Evaluation;
using FedFace.Inference;
using FedFace.Learning;
using FedFace.Vision;

namespace FedFace.Simulator;

/// <summary>
/// A model's held-out accuracy, as the pairs are and (when prepared) with the second face of each pair masked, and which
/// pairs it called right (in the pairs' order), so that two models can be compared pair by pair.
/// </summary>
public sealed record HeldOutScores(VerificationResult Unmasked, VerificationResult? Masked, bool[] UnmaskedCorrect, bool[]? MaskedCorrect);

/// <summary>
/// Scores a global backbone on held-out LFW pairs: each face is aligned once up front (and, for masked scoring, the
/// second face of every pair also rendered with a synthetic mask), then every evaluation embeds them under the model
/// and runs k-fold verification (threshold chosen on the other folds, accuracy on the held-out one, averaged).
/// </summary>
public sealed class HeldOutVerification
{
    private readonly float[] _pixels;
    private readonly int _faceCount;
    private readonly float[]? _maskedPixels;
    private readonly (int First, int Second, int MaskedSecond, bool Same, int Fold)[] _pairs;

    private HeldOutVerification(float[] pixels, int faceCount, float[]? maskedPixels, (int, int, int, bool, int)[] pairs, int droppedPairs)
    {
        _pixels = pixels;
        _faceCount = faceCount;
        _maskedPixels = maskedPixels;
        _pairs = pairs;
        DroppedPairs = droppedPairs;
    }

    public int PairCount => _pairs.Length;
    public int FaceCount => _faceCount;
    public bool ScoresMasked => _maskedPixels is not null;
    /// <summary>Pairs left out because a face could not be found in one of their images.</summary>
    public int DroppedPairs { get; }

    /// <param name="normalization">How the scored model wants its pixels (faces are re-mapped once here).</param>
    /// <param name="masked">Also render the second face of every pair with a synthetic mask, colours drawn from <paramref name="seed"/>.</param>
    public static HeldOutVerification Prepare(IReadOnlyList<LfwPair> pairs, FaceAlignmentPipeline pipeline, ModelInputNormalization normalization,
        bool masked, int seed, TextWriter? progressOutput = null)
    {
        string[] paths = pairs.SelectMany(p => new[] { SharedData.LfwImage(p.Person1, p.Image1), SharedData.LfwImage(p.Person2, p.Image2) })
            .Distinct(StringComparer.Ordinal).ToArray();
        AlignedFaceBatch batch = pipeline.ProcessMany(paths, progressOutput is null ? null : new PercentProgress(progressOutput, paths.Length));
        var faceIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var faces = new List<AlignedFace>();
        var pixels = new float[batch.AlignedCount * FaceTensor.Length];
        for (int i = 0; i < paths.Length; i++)
        {
            if (batch.Results[i].Outcome == AlignmentOutcome.Aligned)
            {
                batch.Results[i].ToTensor().CopyTo(pixels, faceIndex.Count * FaceTensor.Length);
                faceIndex[paths[i]] = faceIndex.Count;
                faces.Add(batch.Results[i].Face!);
            }
        }
        var kept = new List<(int First, int Second, bool Same, int Fold)>();
        foreach (LfwPair pair in pairs)
        {
            if (faceIndex.TryGetValue(SharedData.LfwImage(pair.Person1, pair.Image1), out int first)
                && faceIndex.TryGetValue(SharedData.LfwImage(pair.Person2, pair.Image2), out int second))
            {
                kept.Add((first, second, pair.SamePerson, pair.Fold));
            }
        }
        // Only second faces are masked: one masked rendering per distinct second face, in the order first needed.
        var maskedIndex = new Dictionary<int, int>();
        float[]? maskedPixels = null;
        if (masked)
        {
            int[] seconds = kept.Select(p => p.Second).Distinct().ToArray();
            maskedPixels = new float[seconds.Length * FaceTensor.Length];
            var colours = new Random(seed);
            foreach (int face in seconds)
            {
                SiteData.MaskedTensor(faces[face], pipeline.Settings.Template, colours).CopyTo(maskedPixels, maskedIndex.Count * FaceTensor.Length);
                maskedIndex[face] = maskedIndex.Count;
            }
            normalization.RemapFromSymmetric(maskedPixels, FaceTensor.Height * FaceTensor.Width);
        }
        normalization.RemapFromSymmetric(pixels, FaceTensor.Height * FaceTensor.Width);
        return new HeldOutVerification(pixels, faceIndex.Count, maskedPixels,
            kept.Select(p => (p.First, p.Second, masked ? maskedIndex[p.Second] : -1, p.Same, p.Fold)).ToArray(), pairs.Count - kept.Count);
    }

    public HeldOutScores Evaluate(ModelState backbone)
    {
        using var embedder = new FaceEmbedder(backbone);
        float[] embeddings = embedder.Embed(_pixels, _faceCount);
        int size = embeddings.Length / _faceCount;
        int broken = Enumerable.Range(0, _faceCount).Count(face => embeddings.Skip(face * size).Take(size).Any(v => !float.IsFinite(v)));
        if (broken > 0)
        {
            throw new InvalidOperationException($"the global model gives non-finite embeddings for {broken} of {_faceCount} held-out faces: "
                + "its weights hold NaN or infinity (training diverged, or the differential-privacy noise is far too large for this many sites)");
        }
        int dimension = embeddings.Length / _faceCount;
        bool[] same = _pairs.Select(p => p.Same).ToArray();
        int[] folds = _pairs.Select(p => p.Fold).ToArray();
        (VerificationResult unmasked, bool[] unmaskedCorrect) = Score(embeddings, embeddings, p => p.Second);
        if (_maskedPixels is null)
        {
            return new HeldOutScores(unmasked, null, unmaskedCorrect, null);
        }
        float[] maskedEmbeddings = embedder.Embed(_maskedPixels, _maskedPixels.Length / FaceTensor.Length);
        (VerificationResult masked, bool[] maskedCorrect) = Score(embeddings, maskedEmbeddings, p => p.MaskedSecond);
        return new HeldOutScores(unmasked, masked, unmaskedCorrect, maskedCorrect);

        (VerificationResult, bool[]) Score(float[] firsts, float[] seconds, Func<(int First, int Second, int MaskedSecond, bool Same, int Fold), int> secondOf)
        {
            double[] scores = _pairs.Select(p => (double)System.Numerics.Tensors.TensorPrimitives.Dot(
                firsts.AsSpan(p.First * dimension, dimension), seconds.AsSpan(secondOf(p) * dimension, dimension))).ToArray();
            VerificationResult result = VerificationEvaluator.KFoldAccuracy(scores, same, folds);
            return (result, VerificationEvaluator.CorrectPairs(scores, same, folds, result));
        }
    }
}
