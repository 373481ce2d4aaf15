using System.Diagnostics;
using System.Security.Cryptography;
using FedFace.Inference;
using FedFace.Vision;

namespace FedFace.Recognition;

/// <summary>
/// Photo files → detect, align (<see cref="FaceAlignmentPipeline"/>) → embed (<see cref="OnnxFaceEmbedder"/>), as an
/// <see cref="EmbeddingRecipe"/> says. <see cref="EmbedFiles"/> takes photos through in chunks so that only a chunk's
/// aligned crops are held at once (all of LFW's would be half a gigabyte); a chunk is aligned (<see cref="AlignFiles"/>)
/// and then embedded (<see cref="Embed"/>) on the recipe's workers. Callers that embed the same faces several ways
/// call the two stages themselves.
/// </summary>
public sealed class FaceEmbedding : IDisposable
{
    private const int PhotosPerChunk = 64;
    private const int FacesPerInference = 32;

    private readonly OnnxFaceEmbedder _embedder;
    private readonly FaceAlignmentPipeline _pipeline;
    private readonly int _threads;

    private FaceEmbedding(OnnxFaceEmbedder embedder, FaceAlignmentPipeline pipeline, int threads, string modelSha256, ModelNeeds? needs)
    {
        _embedder = embedder;
        _pipeline = pipeline;
        _threads = threads;
        ModelSha256 = modelSha256;
        Needs = needs;
    }

    /// <summary>
    /// Opens the recipe's model with the normalisation it needs (<see cref="ModelNeeds.ResolveNormalization"/>: from its
    /// metadata or <see cref="KnownModels"/>; the recipe's own only for a model that says nothing) and its detector.
    /// </summary>
    /// <exception cref="FileNotFoundException">no model file (named in the message).</exception>
    /// <exception cref="InvalidDataException">the model is not a face embedder.</exception>
    /// <exception cref="ArgumentException">the normalisation is unknown or contradicts the model; the detector or alignment settings have problems (all named).</exception>
    public static FaceEmbedding Open(EmbeddingRecipe recipe)
    {
        ArgumentNullException.ThrowIfNull(recipe);
        string modelPath = Path.GetFullPath(recipe.ModelPath);
        if (!File.Exists(modelPath))
        {
            throw new FileNotFoundException($"face-embedding model not found: {modelPath}", modelPath);
        }
        string sha256;
        using (FileStream model = File.OpenRead(modelPath))
        {
            sha256 = Convert.ToHexStringLower(SHA256.HashData(model));
        }
        ModelNeeds? needs = KnownModels.Of(modelPath, sha256);
        ModelInputNormalization normalization = ModelNeeds.ResolveNormalization(needs, recipe.Normalization, Path.GetFileName(modelPath), recipe.OverridesModelNeeds);
        // The embedder first: a wrong model is the likelier mistake, and it is named before any detector is loaded.
        var embedder = new OnnxFaceEmbedder(modelPath, recipe.EmbedderOptions with { Normalization = normalization, MaxBatchSize = FacesPerInference });
        try
        {
            FaceAlignmentPipeline pipeline = FaceAlignmentPipeline.Create(recipe.Detector, recipe.Alignment, recipe.CacheDirectory, recipe.Threads);
            return new FaceEmbedding(embedder, pipeline, recipe.Threads, sha256, needs);
        }
        catch
        {
            embedder.Dispose();
            throw;
        }
    }

    public string ModelPath => _embedder.ModelPath;
    public string ModelSha256 { get; }
    /// <summary>What the model needs (normalisation, verification threshold), from its metadata or <see cref="KnownModels"/>; null when nothing says.</summary>
    public ModelNeeds? Needs { get; }
    public int EmbeddingSize => _embedder.EmbeddingSize;
    public ModelInputNormalization Normalization => _embedder.Options.Normalization;
    public bool Flip => _embedder.Options.FlipTestTimeAugmentation;
    public FaceSelectionPolicy Policy => _pipeline.Settings.Policy;

    /// <summary>Embeds the face of every photo; <paramref name="progress"/> gets the number of photos done so far.</summary>
    public EmbeddedPhotos EmbedFiles(IReadOnlyList<string> paths, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var photos = new List<PhotoEmbedding>(paths.Count);
        int cacheHits = 0;
        double alignSeconds = 0, embedSeconds = 0;
        for (int first = 0; first < paths.Count; first += PhotosPerChunk)
        {
            EmbeddedPhotos chunk = Embed(AlignFiles([.. paths.Skip(first).Take(PhotosPerChunk)]));
            photos.AddRange(chunk.Photos);
            cacheHits += chunk.CacheHits;
            alignSeconds += chunk.AlignSeconds;
            embedSeconds += chunk.EmbedSeconds;
            progress?.Report(photos.Count);
        }
        return new EmbeddedPhotos(photos, EmbeddingSize, cacheHits, alignSeconds, embedSeconds);
    }

    /// <summary>
    /// Detects and aligns the face of every photo, all held at once; <paramref name="progress"/> gets the number of
    /// photos done so far, from the workers.
    /// </summary>
    public AlignedPhotos AlignFiles(IReadOnlyList<string> paths, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        long start = Stopwatch.GetTimestamp();
        AlignedFaceBatch batch = _pipeline.ProcessMany(paths, progress);
        return new AlignedPhotos(paths, batch, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>
    /// Embeds the aligned faces with this model, normalisation and flipping; the faces are as <paramref name="aligned"/>
    /// holds them, whichever <see cref="FaceEmbedding"/> aligned them. <paramref name="progress"/> gets the number of
    /// faces embedded so far, from the workers.
    /// </summary>
    public EmbeddedPhotos Embed(AlignedPhotos aligned, IProgress<int>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(aligned);
        long start = Stopwatch.GetTimestamp();
        IReadOnlyList<AlignmentResult> results = aligned.Batch.Results;
        float[][] embeddings = EmbedInParallel([.. results.Where(r => r.Outcome == AlignmentOutcome.Aligned)], progress);
        var photos = new PhotoEmbedding[results.Count];
        int nextEmbedding = 0;
        for (int i = 0; i < photos.Length; i++)
        {
            photos[i] = results[i].Outcome == AlignmentOutcome.Aligned
                ? new PhotoEmbedding(aligned.Paths[i], embeddings[nextEmbedding++], null, null)
                : PhotoEmbedding.Skipped(aligned.Paths[i], results[i]);
        }
        return new EmbeddedPhotos(photos, EmbeddingSize, aligned.Batch.CacheHits, aligned.Seconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>The faces' embeddings, inference batches spread over the workers (each runs one ONNX Runtime thread).</summary>
    private float[][] EmbedInParallel(AlignmentResult[] faces, IProgress<int>? progress)
    {
        var embeddings = new float[faces.Length][];
        int batches = (faces.Length + FacesPerInference - 1) / FacesPerInference, done = 0;
        Parallel.For(0, batches, new ParallelOptions { MaxDegreeOfParallelism = _threads }, batch =>
        {
            int first = batch * FacesPerInference, count = Math.Min(FacesPerInference, faces.Length - first);
            // Tensors a batch at a time: all of them at once would be 150 KB a face.
            _embedder.EmbedMany([.. faces.Skip(first).Take(count).Select(face => face.ToTensor())]).CopyTo(embeddings, first);
            progress?.Report(Interlocked.Add(ref done, count));
        });
        return embeddings;
    }

    public void Dispose()
    {
        _pipeline.Dispose();
        _embedder.Dispose();
    }
}
