namespace FedFace.Evaluation;

/// <summary>One LFW View 2 pair: two images (1-based numbers, as in the file names) and the fold (1..10) it belongs to.</summary>
public sealed record LfwPair(string Person1, int Image1, string Person2, int Image2, int Fold)
{
    public bool SamePerson => Person1 == Person2;
}
