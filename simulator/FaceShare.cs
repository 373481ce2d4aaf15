namespace FedFace.Simulator;

/// <summary>A seeded share of a site's faces, for the domain shifts that change some of its photos for good.</summary>
internal static class FaceShare
{
    /// <summary>Calls <paramref name="change"/> for about <paramref name="share"/> of <paramref name="faces"/> faces, drawn with <paramref name="seed"/>; returns how many.</summary>
    public static int Change(int faces, double share, int seed, Action<int> change)
    {
        var random = new Random(seed);
        int count = 0;
        for (int face = 0; face < faces; face++)
        {
            if (random.NextDouble() < share)
            {
                change(face);
                count++;
            }
        }
        return count;
    }
}
