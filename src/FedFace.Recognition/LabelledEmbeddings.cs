using FedFace.Evaluation;
using FedFace.Evaluation.Identification;
using FedFace.Vision;

namespace FedFace.Recognition;

/// <summary>
/// The images of a labelled set that have a face, their embeddings as the rows of one array: what the exact all-pairs
/// verification and the 1:N identification protocols score. Images without a face are left out of both.
/// </summary>
public sealed class LabelledEmbeddings
{
    private readonly float[] _rows;

    private LabelledEmbeddings(IReadOnlyList<LabelledImage> images, float[] rows, int dimension)
    {
        Images = images;
        _rows = rows;
        Dimension = dimension;
    }

    /// <summary>The images with a face, in the order given.</summary>
    public IReadOnlyList<LabelledImage> Images { get; }

    public int Dimension { get; }

    /// <param name="images">the labelled set, in the order the identification split reads it (first image of a person enrols).</param>
    /// <param name="photos">embeddings of at least every one of <paramref name="images"/>.</param>
    /// <exception cref="ArgumentException">an image is not among <paramref name="photos"/>.</exception>
    public static LabelledEmbeddings Of(IReadOnlyList<LabelledImage> images, EmbeddedPhotos photos)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(photos);
        IReadOnlyDictionary<string, float[]?> embeddingOf = photos.EmbeddingsByPath();
        var withFace = new List<LabelledImage>(images.Count);
        var embeddings = new List<float[]>(images.Count);
        foreach (LabelledImage image in images)
        {
            if (!embeddingOf.TryGetValue(image.Path, out float[]? embedding))
            {
                throw new ArgumentException($"{image.Path} was not embedded", nameof(photos));
            }
            if (embedding is not null)
            {
                withFace.Add(image);
                embeddings.Add(embedding);
            }
        }
        return new LabelledEmbeddings(withFace, [.. embeddings.SelectMany(e => e)], photos.EmbeddingSize);
    }

    /// <summary>Every pair of the images: the exact TAR at each target FAR (<see cref="AllPairsVerification"/>).</summary>
    public AllPairsResult AllPairs(IReadOnlyList<double> targetFars)
    {
        var identityOf = new Dictionary<string, int>(StringComparer.Ordinal);
        int[] identities = [.. Images.Select(i => identityOf.TryGetValue(i.Person, out int id) ? id : identityOf[i.Person] = identityOf.Count)];
        return AllPairsVerification.Evaluate(_rows, Dimension, identities, targetFars);
    }

    /// <summary>1:N over the images, split by <see cref="IdentificationSplit.FromLabels"/>: rank-1, rank-5 and DIR at each target FAR.</summary>
    public IdentificationResult Identification(IReadOnlyList<double> targetFars) =>
        IdentificationProtocol.Evaluate(_rows, Dimension, [.. Images.Select(i => i.Person)], targetFars);
}
