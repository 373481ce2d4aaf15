using FedFace.Core;
using FedFace.Evaluation;
using FedFace.Learning;
using FedFace.Vision;

namespace FedFace.Simulator;

/// <summary>
/// Scores a global backbone on held-out LFW pairs: each face is aligned once up front, then every
/// evaluation embeds them under the model and runs k-fold verification (threshold chosen on the other
/// folds, accuracy on the held-out one, averaged).
/// </summary>
public sealed class HeldOutVerification
{
    private readonly float[] _pixels;
    private readonly int _faceCount;
    private readonly (int First, int Second, bool Same, int Fold)[] _pairs;

    private HeldOutVerification(float[] pixels, int faceCount, (int, int, bool, int)[] pairs, int droppedPairs)
    {
        _pixels = pixels;
        _faceCount = faceCount;
        _pairs = pairs;
        DroppedPairs = droppedPairs;
    }

    public int PairCount => _pairs.Length;
    public int FaceCount => _faceCount;
    /// <summary>Pairs left out because a face could not be found in one of their images.</summary>
    public int DroppedPairs { get; }

    public static HeldOutVerification Prepare(IReadOnlyList<LfwPair> pairs, FaceAlignmentPipeline pipeline, TextWriter? progressOutput = null)
    {
        string[] paths = pairs.SelectMany(p => new[] { SharedData.LfwImage(p.Person1, p.Image1), SharedData.LfwImage(p.Person2, p.Image2) })
            .Distinct(StringComparer.Ordinal).ToArray();
        AlignedFaceBatch batch = pipeline.ProcessMany(paths, progressOutput is null ? null : new PercentProgress(progressOutput, paths.Length));
        var faceIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var pixels = new float[batch.AlignedCount * FaceTensor.Length];
        for (int i = 0; i < paths.Length; i++)
        {
            if (batch.Results[i].Outcome == AlignmentOutcome.Aligned)
            {
                batch.Results[i].ToTensor().CopyTo(pixels, faceIndex.Count * FaceTensor.Length);
                faceIndex[paths[i]] = faceIndex.Count;
            }
        }
        var kept = new List<(int, int, bool, int)>();
        foreach (LfwPair pair in pairs)
        {
            if (faceIndex.TryGetValue(SharedData.LfwImage(pair.Person1, pair.Image1), out int first)
                && faceIndex.TryGetValue(SharedData.LfwImage(pair.Person2, pair.Image2), out int second))
            {
                kept.Add((first, second, pair.SamePerson, pair.Fold));
            }
        }
        return new HeldOutVerification(pixels, faceIndex.Count, kept.ToArray(), pairs.Count - kept.Count);
    }

    public VerificationResult Evaluate(ModelState backbone)
    {
        using var embedder = new FaceEmbedder(backbone);
        float[] embeddings = embedder.Embed(_pixels, _faceCount);
        int dimension = embeddings.Length / _faceCount;
        double[] scores = _pairs.Select(p => (double)System.Numerics.Tensors.TensorPrimitives.Dot(
            embeddings.AsSpan(p.First * dimension, dimension), embeddings.AsSpan(p.Second * dimension, dimension))).ToArray();
        return VerificationEvaluator.KFoldAccuracy(scores, _pairs.Select(p => p.Same).ToArray(), _pairs.Select(p => p.Fold).ToArray());
    }
}
