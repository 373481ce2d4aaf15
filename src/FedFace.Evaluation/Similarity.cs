using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace FedFace.Evaluation;

/// <summary>
/// Similarity scores as dot products: the cosine similarity once embeddings are L2-normalised.
/// Every kernel here computes a score with the same arithmetic — eight lanes of fused multiply-adds running over
/// the dimension in order, the lanes summed by <see cref="Vector256.Sum{T}"/>, then the leftover elements fused in
/// one by one — and the multi-row kernels repeat exactly those steps per row. So a pair scores bit-identically
/// whichever kernel computed it: the all-pairs protocol relies on that (its two passes must see the same scores),
/// and equal rows tie exactly, which keeps the tie order of a search well defined.
/// </summary>
public static class Similarity
{
    private static readonly int Lanes = Vector256<float>.Count;

    /// <summary>The score of two embeddings of the same dimension.</summary>
    public static float Dot(ReadOnlySpan<float> first, ReadOnlySpan<float> second)
    {
        if (first.Length != second.Length)
        {
            throw new ArgumentException($"embeddings of dimension {first.Length} and {second.Length} cannot be compared");
        }
        return Dot(ref MemoryMarshal.GetReference(first), ref MemoryMarshal.GetReference(second), first.Length);
    }

    /// <summary>Scales <paramref name="embedding"/> to unit length in place; a zero or non-finite vector is an error.</summary>
    public static void L2Normalize(Span<float> embedding)
    {
        double squares = 0;
        foreach (float value in embedding)
        {
            squares += (double)value * value;
        }
        if (!double.IsFinite(squares) || squares == 0)
        {
            throw new ArgumentException(squares == 0
                ? "a zero vector has no direction and cannot be normalised"
                : "the embedding holds a non-finite value (NaN or infinity)", nameof(embedding));
        }
        float scale = (float)(1 / Math.Sqrt(squares));
        for (int i = 0; i < embedding.Length; i++)
        {
            embedding[i] *= scale;
        }
    }

    /// <summary>Every row of a row-major matrix L2-normalised, in a new array.</summary>
    public static float[] L2NormalizeRows(ReadOnlySpan<float> rows, int dimension)
    {
        int count = RowCount(rows.Length, dimension);
        float[] normalised = rows.ToArray();
        for (int row = 0; row < count; row++)
        {
            try
            {
                L2Normalize(normalised.AsSpan(row * dimension, dimension));
            }
            catch (ArgumentException e)
            {
                throw new ArgumentException($"row {row}: {e.Message}", nameof(rows), e);
            }
        }
        return normalised;
    }

    /// <summary>The number of rows in a row-major matrix of <paramref name="length"/> floats, checked.</summary>
    internal static int RowCount(int length, int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        if (length % dimension != 0)
        {
            throw new ArgumentException($"{length} values are not whole rows of dimension {dimension}");
        }
        return length / dimension;
    }

    internal static float Dot(ref float first, ref float second, int dimension)
    {
        var sum = Vector256<float>.Zero;
        int i = 0;
        for (; i <= dimension - Lanes; i += Lanes)
        {
            sum = Vector256.FusedMultiplyAdd(Load(ref first, i), Load(ref second, i), sum);
        }
        return AddTail(Vector256.Sum(sum), ref first, ref second, i, dimension);
    }

    /// <summary>
    /// Scores <paramref name="probe"/> against the four consecutive rows starting at <paramref name="rows"/>
    /// (row-major, stride = dimension), loading each chunk of the probe once for all four.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void DotRows4(ref float probe, ref float rows, int dimension,
        out float score0, out float score1, out float score2, out float score3)
    {
        ref float row0 = ref rows;
        ref float row1 = ref Unsafe.Add(ref rows, dimension);
        ref float row2 = ref Unsafe.Add(ref rows, 2 * dimension);
        ref float row3 = ref Unsafe.Add(ref rows, 3 * dimension);
        var sum0 = Vector256<float>.Zero;
        var sum1 = Vector256<float>.Zero;
        var sum2 = Vector256<float>.Zero;
        var sum3 = Vector256<float>.Zero;
        int i = 0;
        for (; i <= dimension - Lanes; i += Lanes)
        {
            Vector256<float> p = Load(ref probe, i);
            sum0 = Vector256.FusedMultiplyAdd(p, Load(ref row0, i), sum0);
            sum1 = Vector256.FusedMultiplyAdd(p, Load(ref row1, i), sum1);
            sum2 = Vector256.FusedMultiplyAdd(p, Load(ref row2, i), sum2);
            sum3 = Vector256.FusedMultiplyAdd(p, Load(ref row3, i), sum3);
        }
        score0 = AddTail(Vector256.Sum(sum0), ref probe, ref row0, i, dimension);
        score1 = AddTail(Vector256.Sum(sum1), ref probe, ref row1, i, dimension);
        score2 = AddTail(Vector256.Sum(sum2), ref probe, ref row2, i, dimension);
        score3 = AddTail(Vector256.Sum(sum3), ref probe, ref row3, i, dimension);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Load(ref float start, int offset) =>
        Vector256.LoadUnsafe(ref start, (nuint)offset);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float AddTail(float sum, ref float first, ref float second, int from, int dimension)
    {
        for (int i = from; i < dimension; i++)
        {
            sum = MathF.FusedMultiplyAdd(Unsafe.Add(ref first, i), Unsafe.Add(ref second, i), sum);
        }
        return sum;
    }
}
