namespace FedFace.Evaluation.Identification;

/// <summary>An enrolled person and the probe's score against their template.</summary>
public sealed record GalleryMatch(string PersonId, float Score);

/// <summary>
/// An open-set answer: the best candidates, and whether the best one is accepted (its score ≥ the threshold)
/// or the probe is taken to be someone not enrolled.
/// </summary>
public sealed record OpenSetResult(IReadOnlyList<GalleryMatch> Candidates, float Threshold, bool Accepted)
{
    /// <summary>The accepted person, or null when the probe is rejected as not enrolled.</summary>
    public string? IdentifiedPersonId => Accepted ? Candidates[0].PersonId : null;
}

/// <summary>
/// A 1:N identification gallery: one template per enrolled person — the mean of their L2-normalised embeddings,
/// normalised again — kept contiguously (row-major) for <see cref="ExactSearch"/>. Scores are cosine similarities.
/// Saved to and loaded from a versioned, checksummed binary file (<see cref="GalleryFile"/>). Not thread-safe for
/// writers; concurrent <see cref="Identify"/> calls on an unchanging gallery are fine.
/// </summary>
public sealed class Gallery
{
    private readonly List<string> _personIds = [];
    private readonly Dictionary<string, int> _rowOfPerson = new(StringComparer.Ordinal);
    private float[] _templates;

    public Gallery(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        Dimension = dimension;
        _templates = new float[16 * dimension];
    }

    /// <summary>Builds a gallery from already-normalised templates (as read from a file).</summary>
    internal Gallery(int dimension, IReadOnlyList<string> personIds, float[] templates) : this(dimension)
    {
        _templates = templates;
        foreach (string id in personIds)
        {
            AddPerson(id);
        }
    }

    public int Dimension { get; }

    public int Count => _personIds.Count;

    /// <summary>Enrolled people in enrolment order (the row order of the templates).</summary>
    public IReadOnlyList<string> PersonIds => _personIds;

    /// <summary>The templates, row-major, one row per person in <see cref="PersonIds"/> order.</summary>
    public ReadOnlyMemory<float> Templates => _templates.AsMemory(0, Count * Dimension);

    public bool Contains(string personId) => _rowOfPerson.ContainsKey(personId);

    public ReadOnlySpan<float> TemplateOf(string personId) =>
        _rowOfPerson.TryGetValue(personId, out int row)
            ? _templates.AsSpan(row * Dimension, Dimension)
            : throw new KeyNotFoundException($"'{personId}' is not enrolled");

    /// <summary>Enrols a person from one or more embeddings, given as arrays.</summary>
    public void Enroll(string personId, params ReadOnlySpan<float[]> embeddings)
    {
        var rows = new float[embeddings.Length * Dimension];
        for (int i = 0; i < embeddings.Length; i++)
        {
            ArgumentNullException.ThrowIfNull(embeddings[i]);
            if (embeddings[i].Length != Dimension)
            {
                throw new ArgumentException($"embedding {i} of '{personId}' has dimension {embeddings[i].Length}, the gallery {Dimension}");
            }
            embeddings[i].CopyTo(rows, i * Dimension);
        }
        EnrollRows(personId, rows);
    }

    /// <summary>Enrols a person from one or more embeddings stored row-major in one span.</summary>
    public void EnrollRows(string personId, ReadOnlySpan<float> embeddingRows)
    {
        ArgumentException.ThrowIfNullOrEmpty(personId);
        if (Contains(personId))
        {
            throw new InvalidOperationException($"'{personId}' is already enrolled; one template per person");
        }
        if (embeddingRows.Length == 0 || embeddingRows.Length % Dimension != 0)
        {
            throw new ArgumentException($"'{personId}': {embeddingRows.Length} values are not one or more embeddings of dimension {Dimension}");
        }
        float[] normalised;
        try
        {
            normalised = Similarity.L2NormalizeRows(embeddingRows, Dimension);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"'{personId}': embedding {e.Message}", e);
        }
        var mean = new double[Dimension];
        for (int i = 0; i < normalised.Length; i++)
        {
            mean[i % Dimension] += normalised[i];
        }
        var template = mean.Select(v => (float)v).ToArray();
        try
        {
            Similarity.L2Normalize(template);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"'{personId}': the embeddings cancel out, so the template has no direction", e);
        }
        EnsureCapacity(Count + 1);
        template.CopyTo(_templates, Count * Dimension);
        AddPerson(personId);
    }

    /// <summary>The <paramref name="k"/> best-scoring people (fewer if fewer are enrolled), best first; ties by enrolment order.</summary>
    public IReadOnlyList<GalleryMatch> Identify(ReadOnlySpan<float> probe, int k)
    {
        float[] normalisedProbe = NormaliseProbe(probe);
        if (Count == 0)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
            return [];
        }
        return ExactSearch.TopK(Templates, Dimension, normalisedProbe, k)
            .Select(hit => new GalleryMatch(_personIds[hit.Index], hit.Score))
            .ToArray();
    }

    /// <summary>Open-set identification: the top-<paramref name="k"/> candidates, accepted when the best scores ≥ <paramref name="threshold"/>.</summary>
    public OpenSetResult IdentifyOpenSet(ReadOnlySpan<float> probe, float threshold, int k = 1)
    {
        if (float.IsNaN(threshold))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), "the threshold is NaN");
        }
        IReadOnlyList<GalleryMatch> candidates = Identify(probe, k);
        return new OpenSetResult(candidates, threshold, candidates.Count > 0 && candidates[0].Score >= threshold);
    }

    public void Save(string path) => GalleryFile.Write(path, this);

    public static Gallery Load(string path) => GalleryFile.Read(path);

    private float[] NormaliseProbe(ReadOnlySpan<float> probe)
    {
        if (probe.Length != Dimension)
        {
            throw new ArgumentException($"the probe has dimension {probe.Length}, the gallery {Dimension}", nameof(probe));
        }
        float[] normalised = probe.ToArray();
        Similarity.L2Normalize(normalised);
        return normalised;
    }

    private void AddPerson(string personId)
    {
        if (!_rowOfPerson.TryAdd(personId, Count))
        {
            throw new ArgumentException($"'{personId}' appears twice");
        }
        _personIds.Add(personId);
    }

    private void EnsureCapacity(int people)
    {
        if ((long)people * Dimension > _templates.Length)
        {
            long grown = Math.Max((long)people * Dimension, 2L * _templates.Length);
            Array.Resize(ref _templates, (int)Math.Min(grown, Array.MaxLength));
        }
    }
}
