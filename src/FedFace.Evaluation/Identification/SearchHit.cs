namespace FedFace.Evaluation.Identification;

/// <summary>A row of a template matrix and its score against a probe.</summary>
public readonly record struct SearchHit(int Index, float Score)
{
    /// <summary>
    /// The ranking order of every search: the higher score first, and among equal scores the lower index first,
    /// so a top-k list is one well-defined set whatever order the rows were scanned in.
    /// </summary>
    public bool RanksAbove(SearchHit other) => Score > other.Score || (Score == other.Score && Index < other.Index);
}
