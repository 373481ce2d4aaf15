using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FedFace.Evaluation;

/// <summary>TAR at one target FAR over all pairs; pairs scoring strictly above <see cref="Threshold"/> are accepted.</summary>
public sealed record AllPairsTarAtFar(double TargetFar, float Threshold, long FalseAccepts, double Far, long TrueAccepts, double Tar);

/// <summary>The all-pairs protocol's figures: pair counts and one TAR@FAR point per requested FAR.</summary>
public sealed record AllPairsResult(int EmbeddingCount, long GenuinePairs, long ImpostorPairs, IReadOnlyList<AllPairsTarAtFar> Points);

/// <summary>
/// The all-pairs verification protocol on a labelled set of embeddings: every unordered pair of distinct
/// embeddings is scored (cosine similarity: rows are L2-normalised first), pairs of the same identity are genuine,
/// the rest impostors, and for each target FAR the threshold is exactly the one <see cref="FarThreshold"/> defines
/// — the (k+1)-th highest impostor score, k = ⌊FAR·impostors⌋ — with TAR the fraction of genuine pairs above it.
/// <para>
/// Exact in memory that does not grow with the number of pairs (LFW's 13,233 images make 87.5 million pairs): no
/// score is stored. Each float score maps to a 32-bit key that orders like the float; two passes over all pairs
/// (the same kernel, so the same scores both times) count keys in histograms of 65,536 bins. Pass 1 counts the
/// high 16 bits, separately for genuine and impostor pairs, which tells in which high bin the (k+1)-th highest
/// impostor lies; pass 2 counts the low 16 bits of the scores in just those bins, which pins down its full key,
/// that is the exact score. Genuine pairs above it are the genuine counts in higher bins plus those above it in
/// its own bin. Memory: one 512 KiB histogram per worker in pass 1, 512 KiB per distinct bin in pass 2.
/// </para>
/// <para>
/// Speed: the pairs are walked in blocks of rows against tiles of columns that stay in cache, four columns per
/// step sharing the row's loads, row blocks spread over the cores.
/// </para>
/// </summary>
public static class AllPairsVerification
{
    /// <summary>The FARs usually reported on LFW-sized sets.</summary>
    public static IReadOnlyList<double> StandardFars { get; } = [1e-3, 1e-4, 1e-5, 1e-6];

    private const int Bins = 1 << 16;
    private const int RowBlock = 64;
    private const int ColumnTile = 256; // 256 rows of 128 floats: 128 KiB, in L2 alongside the block
    private const int MaxTargetFars = 64;

    public static AllPairsResult Evaluate(ReadOnlySpan<float> embeddings, int dimension, IReadOnlyList<int> identities, IReadOnlyList<double> targetFars)
    {
        ArgumentNullException.ThrowIfNull(identities);
        ArgumentNullException.ThrowIfNull(targetFars);
        int count = Similarity.RowCount(embeddings.Length, dimension);
        if (identities.Count != count)
        {
            throw new ArgumentException($"{count} embeddings but {identities.Count} identities: they must match");
        }
        if (targetFars.Count is 0 or > MaxTargetFars)
        {
            throw new ArgumentException($"give between 1 and {MaxTargetFars} target FARs, got {targetFars.Count}", nameof(targetFars));
        }
        foreach (double far in targetFars)
        {
            FarThreshold.CheckTargetFar(far);
        }
        float[] rows = Similarity.L2NormalizeRows(embeddings, dimension);
        int[] ids = identities.ToArray();

        // Pass 1: impostor counts in [0, Bins), genuine counts in [Bins, 2·Bins), by the key's high 16 bits.
        long[] high = CountPairs(rows, ids, dimension, 2 * Bins, static counts => new HighBinCounter(counts));
        ReadOnlySpan<long> impostorHigh = high.AsSpan(0, Bins);
        ReadOnlySpan<long> genuineHigh = high.AsSpan(Bins);
        long impostorPairs = Sum(impostorHigh);
        long genuinePairs = Sum(genuineHigh);
        if (impostorPairs == 0 || genuinePairs == 0)
        {
            throw new ArgumentException($"the set makes {genuinePairs} genuine and {impostorPairs} impostor pairs; TAR@FAR needs both", nameof(identities));
        }

        // Where each target's threshold lies: its high bin, and its rank among the impostors of that bin.
        var targets = new (long Allowed, int HighBin, long AboveBin)[targetFars.Count];
        var slotOfBin = new byte[Bins]; // 0: not needed in pass 2; s: the s-th bin pass 2 resolves
        int slots = 0;
        for (int t = 0; t < targets.Length; t++)
        {
            long allowed = FarThreshold.AllowedFalseAccepts(targetFars[t], impostorPairs);
            int bin = -1;
            long above = 0;
            if (allowed < impostorPairs)
            {
                for (bin = Bins - 1; above + impostorHigh[bin] <= allowed; bin--)
                {
                    above += impostorHigh[bin];
                }
                if (slotOfBin[bin] == 0)
                {
                    slotOfBin[bin] = (byte)++slots;
                }
            }
            targets[t] = (allowed, bin, above);
        }

        // Pass 2: the low 16 bits of the keys in those bins; per slot impostors then genuine pairs.
        long[] low = slots == 0 ? [] : CountPairs(rows, ids, dimension, slots * 2 * Bins, counts => new LowBinCounter(slotOfBin, counts));

        var points = new AllPairsTarAtFar[targets.Length];
        for (int t = 0; t < targets.Length; t++)
        {
            (long allowed, int bin, long above) = targets[t];
            if (bin < 0)
            {
                points[t] = new AllPairsTarAtFar(targetFars[t], float.NegativeInfinity, impostorPairs, 1, genuinePairs, 1);
                continue;
            }
            int slot = slotOfBin[bin] - 1;
            ReadOnlySpan<long> impostorLow = low.AsSpan(2 * slot * Bins, Bins);
            ReadOnlySpan<long> genuineLow = low.AsSpan((2 * slot + 1) * Bins, Bins);
            long falseAccepts = above;
            int lowBin = Bins - 1;
            for (; falseAccepts + impostorLow[lowBin] <= allowed; lowBin--)
            {
                falseAccepts += impostorLow[lowBin];
            }
            long trueAccepts = Sum(genuineHigh[(bin + 1)..]) + Sum(genuineLow[(lowBin + 1)..]);
            float threshold = FromOrderedKey(((uint)bin << 16) | (uint)lowBin);
            points[t] = new AllPairsTarAtFar(targetFars[t], threshold,
                falseAccepts, (double)falseAccepts / impostorPairs, trueAccepts, (double)trueAccepts / genuinePairs);
        }
        return new AllPairsResult(count, genuinePairs, impostorPairs, points);
    }

    /// <summary>
    /// A 32-bit key that orders like the score: flip every bit of a negative float, only the sign bit of a
    /// positive one. Adding +0 first turns −0 into +0, so the two zeros (equal scores) share a key.
    /// </summary>
    internal static uint OrderedKey(float score)
    {
        uint bits = BitConverter.SingleToUInt32Bits(score + 0f);
        return bits ^ ((uint)((int)bits >> 31) | 0x8000_0000u);
    }

    internal static float FromOrderedKey(uint key) =>
        BitConverter.UInt32BitsToSingle((key & 0x8000_0000u) != 0 ? key ^ 0x8000_0000u : ~key);

    private static long Sum(ReadOnlySpan<long> values)
    {
        long sum = 0;
        foreach (long value in values)
        {
            sum += value;
        }
        return sum;
    }

    /// <summary>What a pass does with each scored pair; a struct so the scan is compiled for it and inlines it.</summary>
    private interface IPairCounter
    {
        void Add(float score, bool genuine);
    }

    private readonly struct HighBinCounter(uint[] counts) : IPairCounter
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(float score, bool genuine) =>
            counts[(genuine ? Bins : 0) + (int)(OrderedKey(score) >> 16)]++;
    }

    private readonly struct LowBinCounter(byte[] slotOfBin, uint[] counts) : IPairCounter
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(float score, bool genuine)
        {
            uint key = OrderedKey(score);
            int slot = slotOfBin[(int)(key >> 16)];
            if (slot != 0)
            {
                counts[(2 * (slot - 1) + (genuine ? 1 : 0)) * Bins + (int)(key & 0xFFFF)]++;
            }
        }
    }

    /// <summary>One worker's counts: 32-bit while scanning (half the cache footprint), added to the 64-bit totals
    /// before any bin could overflow.</summary>
    private sealed class Worker<TCounter>(uint[] counts, TCounter counter) where TCounter : struct, IPairCounter
    {
        public readonly uint[] Counts = counts;
        public TCounter Counter = counter;
        public long PairsSinceFlush;

        public void FlushInto(long[] totals)
        {
            lock (totals)
            {
                for (int i = 0; i < Counts.Length; i++)
                {
                    totals[i] += Counts[i];
                }
            }
            Array.Clear(Counts);
            PairsSinceFlush = 0;
        }
    }

    private static long[] CountPairs<TCounter>(float[] rows, int[] ids, int dimension, int countsLength, Func<uint[], TCounter> createCounter)
        where TCounter : struct, IPairCounter
    {
        var totals = new long[countsLength];
        int blocks = (ids.Length + RowBlock - 1) / RowBlock;
        Parallel.For(0, blocks,
            () =>
            {
                var counts = new uint[countsLength];
                return new Worker<TCounter>(counts, createCounter(counts));
            },
            (block, _, worker) =>
            {
                ScanRowBlock(rows, ids, dimension, block * RowBlock, Math.Min(ids.Length, (block + 1) * RowBlock), worker, totals);
                return worker;
            },
            worker => worker.FlushInto(totals));
        return totals;
    }

    /// <summary>Scores every pair (i, j), j &gt; i, for the rows i of one block, a column tile at a time.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // called a few hundred times: tier-0 code would not inline the kernel
    private static void ScanRowBlock<TCounter>(float[] rows, int[] ids, int dimension, int firstRow, int endRow, Worker<TCounter> worker, long[] totals)
        where TCounter : struct, IPairCounter
    {
        int count = ids.Length;
        ref float matrix = ref MemoryMarshal.GetArrayDataReference(rows);
        ref TCounter counter = ref worker.Counter;
        for (int tileStart = firstRow + 1; tileStart < count; tileStart += ColumnTile)
        {
            int tileEnd = Math.Min(count, tileStart + ColumnTile);
            for (int i = firstRow; i < endRow; i++)
            {
                int j = Math.Max(i + 1, tileStart);
                if (j >= tileEnd)
                {
                    continue;
                }
                worker.PairsSinceFlush += tileEnd - j;
                ref float row = ref Unsafe.Add(ref matrix, (nint)i * dimension);
                int id = ids[i];
                for (; j <= tileEnd - 4; j += 4)
                {
                    Similarity.DotRows4(ref row, ref Unsafe.Add(ref matrix, (nint)j * dimension), dimension,
                        out float score0, out float score1, out float score2, out float score3);
                    counter.Add(score0, ids[j] == id);
                    counter.Add(score1, ids[j + 1] == id);
                    counter.Add(score2, ids[j + 2] == id);
                    counter.Add(score3, ids[j + 3] == id);
                }
                for (; j < tileEnd; j++)
                {
                    counter.Add(Similarity.Dot(ref row, ref Unsafe.Add(ref matrix, (nint)j * dimension), dimension), ids[j] == id);
                }
            }
            // No bin can hold more than the pairs counted since the last flush; the next tile adds at most this many.
            if (worker.PairsSinceFlush > uint.MaxValue - (long)RowBlock * ColumnTile)
            {
                worker.FlushInto(totals);
            }
        }
    }
}
