namespace FedFace.Vision;

/// <summary>Which face a photo with several stands for.</summary>
public enum FaceSelectionPolicy
{
    /// <summary>The largest box: the subject of a portrait is usually the biggest face in it.</summary>
    Largest,
    /// <summary>The box whose centre is nearest the image centre: for group photos cropped around someone.</summary>
    MostCentral,
}

/// <summary>The chosen face, and whether it is smaller than the minimum (then it is rejected as too small).</summary>
public readonly record struct FaceSelection(FaceDetection Face, bool TooSmall);

public static class FaceSelector
{
    /// <summary>
    /// Picks one face by <paramref name="policy"/> among those at least <paramref name="minFaceSidePixels"/>
    /// on their shorter side; if every face is smaller, picks among all and marks the choice too small, so
    /// the caller can count it instead of mistaking it for a photo without a face. Null when there is no face.
    /// </summary>
    public static FaceSelection? Select(IReadOnlyList<FaceDetection> faces, int imageWidth, int imageHeight,
        FaceSelectionPolicy policy, float minFaceSidePixels)
    {
        IReadOnlyList<FaceSelection> ranked = Rank(faces, imageWidth, imageHeight, policy, minFaceSidePixels);
        return ranked.Count == 0 ? null : ranked[0];
    }

    /// <summary>
    /// The faces <see cref="Select"/> chooses among, best first by <paramref name="policy"/>: those at least
    /// <paramref name="minFaceSidePixels"/> on their shorter side, or, when none is, all of them marked too small.
    /// A caller that finds the first unusable (cut off at the image edge) can fall back on the next.
    /// </summary>
    public static IReadOnlyList<FaceSelection> Rank(IReadOnlyList<FaceDetection> faces, int imageWidth, int imageHeight,
        FaceSelectionPolicy policy, float minFaceSidePixels)
    {
        ArgumentNullException.ThrowIfNull(faces);
        FaceDetection[] bigEnough = [.. faces.Where(f => Math.Min(f.Width, f.Height) >= minFaceSidePixels)];
        bool tooSmall = bigEnough.Length == 0;
        IEnumerable<FaceDetection> candidates = tooSmall ? faces : bigEnough;
        IEnumerable<FaceDetection> ranked = policy switch
        {
            FaceSelectionPolicy.Largest => candidates.OrderByDescending(f => f.Area),
            FaceSelectionPolicy.MostCentral => candidates.OrderBy(f =>
                Math.Pow(f.X + f.Width / 2 - imageWidth / 2f, 2) + Math.Pow(f.Y + f.Height / 2 - imageHeight / 2f, 2)),
            _ => throw new ArgumentOutOfRangeException(nameof(policy), policy, null),
        };
        return [.. ranked.Select(face => new FaceSelection(face, tooSmall))];
    }

    /// <summary>Parses "largest" or "central" (also "most-central", "MostCentral").</summary>
    public static FaceSelectionPolicy ParsePolicy(string name) => name.Trim().ToLowerInvariant().Replace("-", "", StringComparison.Ordinal) switch
    {
        "largest" => FaceSelectionPolicy.Largest,
        "central" or "mostcentral" => FaceSelectionPolicy.MostCentral,
        _ => throw new ArgumentException($"unknown face policy '{name}'; use largest or central", nameof(name)),
    };
}
