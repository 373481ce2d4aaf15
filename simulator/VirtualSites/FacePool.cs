using FedFace.Inference;
using FedFace.Learning.Training;
using FedFace.Vision;

namespace FedFace.Simulator.VirtualSites;

/// <summary>
/// Every distinct training face aligned once and kept compact, 112×112×3 bytes (BGR) each, with its person: the shared pool
/// many virtual sites draw their faces from by index. A site's faces become network input only while it trains.
/// </summary>
public sealed class FacePool
{
    private readonly byte[][] _faces;
    private readonly int[][] _facesOfPerson;

    private FacePool(byte[][] faces, int[][] facesOfPerson, ModelInputNormalization normalization, int skipped)
    {
        _faces = faces;
        _facesOfPerson = facesOfPerson;
        Normalization = normalization;
        Skipped = skipped;
    }

    public int FaceCount => _faces.Length;

    /// <summary>People with at least one aligned face.</summary>
    public int PeopleCount => _facesOfPerson.Length;

    /// <summary>Photos in which no usable face was found.</summary>
    public int Skipped { get; }

    public ModelInputNormalization Normalization { get; }

    public long Bytes => _faces.Sum(face => (long)face.Length);

    /// <summary>Aligns <paramref name="images"/> (a person's photos together) with <paramref name="pipeline"/>, whose on-disk cache spares a second run the work.</summary>
    public static FacePool Align(IReadOnlyList<LabelledImage> images, FaceAlignmentPipeline pipeline, ModelInputNormalization normalization, CancellationToken cancellationToken)
    {
        AlignedFaceBatch batch = pipeline.ProcessMany([.. images.Select(i => i.Path)], cancellationToken: cancellationToken);
        var faces = new List<byte[]>();
        var byPerson = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (int i = 0; i < images.Count; i++)
        {
            if (batch.Results[i] is { Outcome: AlignmentOutcome.Aligned, Face: { } face })
            {
                if (!byPerson.TryGetValue(images[i].Person, out List<int>? own))
                {
                    byPerson.Add(images[i].Person, own = []);
                }
                own.Add(faces.Count);
                faces.Add(face.Bgr);
            }
        }
        int[][] people = [.. byPerson.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value.ToArray())];
        return new FacePool([.. faces], people, normalization, images.Count - faces.Count);
    }

    public int FaceCountOf(int person) => _facesOfPerson[person].Length;

    /// <summary>The faces of the given people (by pool person number), labelled 0…, as network input in the pool's normalisation.</summary>
    public FaceTrainingSet TrainingSetOf(IReadOnlyList<int> people)
    {
        int[][] faceSets = [.. people.Select(p => _facesOfPerson[p])];
        int count = faceSets.Sum(f => f.Length);
        var pixels = new float[(long)count * FaceTrainingSet.ValuesPerImage];
        var labels = new int[count];
        int next = 0;
        for (int label = 0; label < faceSets.Length; label++)
        {
            foreach (int face in faceSets[label])
            {
                FaceTensor.WriteNormalizedRgbChw(_faces[face], FaceTensor.Width, FaceTensor.Height,
                    pixels.AsSpan(next * FaceTrainingSet.ValuesPerImage, FaceTrainingSet.ValuesPerImage));
                labels[next++] = label;
            }
        }
        Normalization.RemapFromSymmetric(pixels, FaceTensor.Height * FaceTensor.Width);
        return new FaceTrainingSet(pixels, labels, faceSets.Length);
    }
}

/// <summary>
/// Many sites' faces from one <see cref="FacePool"/>: site k holds <c>peoplePerSite</c> people, dealt in a seeded order
/// round the pool; when sites × people per site exceeds the pool's people, people are reused across sites
/// (<see cref="ReuseFactor"/> times at most). Each site's faces are made when it trains, not kept.
/// </summary>
public sealed class PooledSiteFaces : ISiteFaces
{
    private readonly FacePool _pool;
    private readonly int[] _order;
    private readonly int _peoplePerSite;

    public PooledSiteFaces(FacePool pool, int sites, int peoplePerSite, int seed)
    {
        if (pool.PeopleCount < peoplePerSite)
        {
            throw new ArgumentException($"the face pool holds {pool.PeopleCount} people; a site needs {peoplePerSite}");
        }
        _pool = pool;
        _peoplePerSite = peoplePerSite;
        _order = [.. Enumerable.Range(0, pool.PeopleCount)];
        new Random(seed).Shuffle(_order);
        ReuseFactor = (int)Math.Ceiling((double)sites * peoplePerSite / pool.PeopleCount);
    }

    /// <summary>How many sites at most hold the same person (1: people disjoint across sites).</summary>
    public int ReuseFactor { get; }

    public ModelInputNormalization Normalization => _pool.Normalization;

    public FaceTrainingSet For(int siteIndex) => _pool.TrainingSetOf(PeopleOf(siteIndex));

    public int FaceCountOf(int siteIndex) => PeopleOf(siteIndex).Sum(_pool.FaceCountOf);

    private int[] PeopleOf(int siteIndex) => [.. Enumerable.Range(siteIndex * _peoplePerSite, _peoplePerSite).Select(i => _order[i % _order.Length])];
}
