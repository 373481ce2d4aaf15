namespace FedFace.Evaluation.Identification;

/// <summary>
/// Which images enrol and which probe, by position in a list of per-image labels: each person with two or more
/// images enrols their first (in list order) and probes with the rest (mated probes); each person with a single
/// image is a distractor (a non-mated probe: someone not enrolled).
/// </summary>
public sealed record IdentificationSplit(IReadOnlyList<int> GalleryImages, IReadOnlyList<int> MatedProbes, IReadOnlyList<int> NonMatedProbes)
{
    public static IdentificationSplit FromLabels(IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        var imagesOf = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var people = new List<List<int>>(); // in order of first appearance
        for (int i = 0; i < labels.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(labels[i], $"labels[{i}]");
            if (!imagesOf.TryGetValue(labels[i], out List<int>? images))
            {
                imagesOf[labels[i]] = images = [];
                people.Add(images);
            }
            images.Add(i);
        }
        return new IdentificationSplit(
            people.Where(p => p.Count >= 2).Select(p => p[0]).ToArray(),
            people.Where(p => p.Count >= 2).SelectMany(p => p.Skip(1)).Order().ToArray(),
            people.Where(p => p.Count == 1).Select(p => p[0]).ToArray());
    }
}

/// <summary>How a mated probe fared: the rank (1-based) of its true identity among the candidates, 0 when it was
/// not among them, and the best candidate's score.</summary>
public sealed record MatedProbeOutcome(int Rank, float TopScore);

/// <summary>
/// Open-set detection and identification at a target FAR. Threshold: a probe is accepted when its best score is
/// ≥ <see cref="Threshold"/>, chosen as the lowest threshold that accepts at most ⌊FAR·non-mated probes⌋ of the
/// non-mated probes (<see cref="FalseAlarms"/>, achieved rate <see cref="Far"/>). DIR: the fraction of mated probes
/// whose best candidate is their true identity and is accepted.
/// </summary>
public sealed record DirAtFar(double TargetFar, float Threshold, int FalseAlarms, double Far, int Detections, double Dir);

/// <summary>Closed-set rank-1 and rank-5 accuracy over the mated probes, and open-set DIR at each target FAR.</summary>
public sealed record IdentificationResult(
    int GallerySize,
    int MatedProbes,
    int NonMatedProbes,
    double Rank1Accuracy,
    double Rank5Accuracy,
    IReadOnlyList<DirAtFar> DirAtFar);

/// <summary>The 1:N identification protocol: a gallery of one template per person, probes searched exactly.</summary>
public static class IdentificationProtocol
{
    /// <summary>Candidates kept per mated probe: enough for rank-5 accuracy.</summary>
    public const int CandidateCount = 5;

    /// <summary>
    /// Runs the protocol on per-image embeddings (row-major) and labels, split by <see cref="IdentificationSplit.FromLabels"/>:
    /// the gallery enrols each person's first image, every other image is searched.
    /// </summary>
    public static IdentificationResult Evaluate(ReadOnlySpan<float> embeddings, int dimension, IReadOnlyList<string> labels, IReadOnlyList<double> targetFars)
    {
        ArgumentNullException.ThrowIfNull(labels);
        int count = Similarity.RowCount(embeddings.Length, dimension);
        if (labels.Count != count)
        {
            throw new ArgumentException($"{count} embeddings but {labels.Count} labels: they must match");
        }
        IdentificationSplit split = IdentificationSplit.FromLabels(labels);
        var gallery = new Gallery(dimension);
        foreach (int image in split.GalleryImages)
        {
            gallery.EnrollRows(labels[image], embeddings.Slice(image * dimension, dimension));
        }
        float[] rows = embeddings.ToArray(); // the probes are read in parallel below, which a span cannot be

        var mated = new MatedProbeOutcome[split.MatedProbes.Count];
        Parallel.For(0, mated.Length, p =>
        {
            int image = split.MatedProbes[p];
            mated[p] = Score(gallery, rows.AsSpan(image * dimension, dimension), labels[image]);
        });
        var nonMatedTopScores = new float[split.NonMatedProbes.Count];
        Parallel.For(0, nonMatedTopScores.Length, p =>
        {
            int image = split.NonMatedProbes[p];
            nonMatedTopScores[p] = gallery.Identify(rows.AsSpan(image * dimension, dimension), 1)[0].Score;
        });
        return Compute(gallery.Count, mated, nonMatedTopScores, targetFars);
    }

    /// <summary>Searches one mated probe and reports where its true identity ranked.</summary>
    public static MatedProbeOutcome Score(Gallery gallery, ReadOnlySpan<float> probe, string trueId)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        if (!gallery.Contains(trueId))
        {
            throw new ArgumentException($"'{trueId}' is not enrolled, so a probe of them is not mated", nameof(trueId));
        }
        IReadOnlyList<GalleryMatch> candidates = gallery.Identify(probe, CandidateCount);
        int rank = 1 + candidates.Select(c => c.PersonId).ToList().IndexOf(trueId); // 0 when absent
        return new MatedProbeOutcome(rank, candidates[0].Score);
    }

    /// <summary>The metrics from search outcomes (see <see cref="DirAtFar"/> for the open-set rule).</summary>
    public static IdentificationResult Compute(int gallerySize, IReadOnlyList<MatedProbeOutcome> mated, IReadOnlyList<float> nonMatedTopScores, IReadOnlyList<double> targetFars)
    {
        ArgumentNullException.ThrowIfNull(mated);
        ArgumentNullException.ThrowIfNull(nonMatedTopScores);
        ArgumentNullException.ThrowIfNull(targetFars);
        if (mated.Count == 0)
        {
            throw new ArgumentException("there are no mated probes (no person has two or more images)", nameof(mated));
        }
        if (targetFars.Count > 0 && nonMatedTopScores.Count == 0)
        {
            throw new ArgumentException("DIR@FAR needs non-mated probes (people not enrolled) to measure the FAR on", nameof(nonMatedTopScores));
        }
        double RankAccuracy(int rank) => (double)mated.Count(m => m.Rank >= 1 && m.Rank <= rank) / mated.Count;

        var points = new List<DirAtFar>(targetFars.Count);
        foreach (double far in targetFars)
        {
            double strictThreshold = FarThreshold.ForImpostorScores(nonMatedTopScores.Select(s => (double)s), far);
            // FarThreshold accepts scores strictly above; the next float up accepts the same scores with "≥".
            float threshold = double.IsNegativeInfinity(strictThreshold) ? float.NegativeInfinity : MathF.BitIncrement((float)strictThreshold);
            int falseAlarms = nonMatedTopScores.Count(s => s >= threshold);
            int detections = mated.Count(m => m.Rank == 1 && m.TopScore >= threshold);
            points.Add(new DirAtFar(far, threshold, falseAlarms, (double)falseAlarms / nonMatedTopScores.Count,
                detections, (double)detections / mated.Count));
        }
        return new IdentificationResult(gallerySize, mated.Count, nonMatedTopScores.Count, RankAccuracy(1), RankAccuracy(5), points);
    }
}
