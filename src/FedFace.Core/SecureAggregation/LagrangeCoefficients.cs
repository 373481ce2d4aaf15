using System.Collections.Concurrent;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// Lagrange coefficients at 0 over GF(2⁶¹ − 1), λᵢ = Π_{j≠i} xⱼ / (xⱼ − xᵢ), kept per set of points: every secret
/// rebuilt from shares held at the same points (on a complete graph, most of a round's) reuses them. One field
/// inversion per set (the denominators are inverted together). Thread-safe.
/// </summary>
public sealed class LagrangeCoefficients
{
    private readonly ConcurrentDictionary<int[], ulong[]> _bySet = new(PointSetComparer.Instance);

    /// <summary>Sets whose coefficients were computed rather than found.</summary>
    public int SetsComputed => _bySet.Count;

    /// <summary>The coefficients for <paramref name="points"/> (distinct, positive, in the order given).</summary>
    public ulong[] AtZero(int[] points)
    {
        ArgumentNullException.ThrowIfNull(points);
        return _bySet.GetOrAdd([.. points], Compute);
    }

    private static ulong[] Compute(int[] points)
    {
        int n = points.Length;
        ulong allPoints = 1;
        foreach (int x in points) allPoints = Mersenne61.Multiply(allPoints, (ulong)x);
        // λᵢ = (Π xⱼ / xᵢ) / Π_{j≠i} (xⱼ − xᵢ) = Π xⱼ / (xᵢ · Π_{j≠i} (xⱼ − xᵢ)): invert every denominator at once.
        ulong[] denominators = new ulong[n];
        for (int i = 0; i < n; i++)
        {
            ulong xi = (ulong)points[i], product = xi;
            for (int j = 0; j < n; j++)
            {
                if (j != i) product = Mersenne61.Multiply(product, Mersenne61.Subtract((ulong)points[j], xi));
            }
            denominators[i] = product;
        }
        ulong[] inverses = Mersenne61.InverseAll(denominators);
        ulong[] lambdas = new ulong[n];
        for (int i = 0; i < n; i++) lambdas[i] = Mersenne61.Multiply(allPoints, inverses[i]);
        return lambdas;
    }

    private sealed class PointSetComparer : IEqualityComparer<int[]>
    {
        public static readonly PointSetComparer Instance = new();

        public bool Equals(int[]? a, int[]? b) => a.AsSpan().SequenceEqual(b);

        public int GetHashCode(int[] points)
        {
            var hash = new HashCode();
            foreach (int x in points) hash.Add(x);
            return hash.ToHashCode();
        }
    }
}
