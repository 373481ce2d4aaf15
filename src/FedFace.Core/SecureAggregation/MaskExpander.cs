using System.Buffers.Binary;
using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace FedFace.Core.SecureAggregation;

/// <summary>Whether a mask is added to the vector or subtracted from it (mod 2³²).</summary>
public enum MaskSign
{
    Add,
    Subtract,
}

/// <summary>One pseudo-random mask PRG(<paramref name="Seed"/>) and how it enters the vector.</summary>
public sealed record MaskTerm(byte[] Seed, MaskSign Sign);

/// <summary>
/// Expands 32-byte seeds into uint32 masks and adds them to a vector mod 2³². The PRG is AES-128-CTR
/// (<see cref="AesCtrKeystream"/>) keyed by HKDF-SHA256(seed), its keystream read as little-endian uint32s.
/// The vector is walked in 64 KiB segments and every mask is added to a segment while it sits in cache,
/// so memory sees one pass over the vector however many masks there are; segments are split over threads.
/// </summary>
public sealed class MaskExpander
{
    /// <summary>uint32 words per segment: 64 KiB of keystream, a whole number of AES blocks.</summary>
    public const int SegmentWords = 16 * 1024;
    private const int WordsPerBlock = AesCtrKeystream.BlockBytes / sizeof(uint);
    private static readonly byte[] s_prgKeyInfo = "fedface-secagg/v1/mask-prg"u8.ToArray();

    private readonly int _threads;

    /// <param name="maxDegreeOfParallelism">threads to use; 0 means one per processor.</param>
    public MaskExpander(int maxDegreeOfParallelism = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDegreeOfParallelism);
        _threads = maxDegreeOfParallelism == 0 ? Environment.ProcessorCount : maxDegreeOfParallelism;
    }

    /// <summary>The most threads one <see cref="Apply"/> uses (the server's unmasking uses as many for its other work).</summary>
    public int MaxDegreeOfParallelism => _threads;

    /// <summary>target += Σ ±PRG(seed) mod 2³², over the whole of <paramref name="target"/>.</summary>
    public void Apply(uint[] target, IReadOnlyList<MaskTerm> masks)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(masks);
        if (masks.Count == 0 || target.Length == 0) return;
        foreach (MaskTerm mask in masks) CheckSeed(mask.Seed); // here, so a bad seed is an ArgumentException, not an AggregateException
        byte[][] keys = new byte[masks.Count][];
        Parallel.For(0, masks.Count, Options(_threads), m => keys[m] = PrgKey(masks[m].Seed));
        bool[] subtract = [.. masks.Select(m => m.Sign == MaskSign.Subtract)];
        int segments = (target.Length + SegmentWords - 1) / SegmentWords;
        int workers = Math.Clamp(_threads, 1, segments);
        if (workers == 1)
        {
            ApplyToSegments(target, keys, subtract, 0, segments);
            return;
        }
        Parallel.For(0, workers, Options(workers), worker =>
            ApplyToSegments(target, keys, subtract, segments * worker / workers, segments * (worker + 1) / workers));
    }

    /// <summary>PRG(seed) itself: the first <paramref name="length"/> words of the mask.</summary>
    public static uint[] Expand(ReadOnlySpan<byte> seed, int length)
    {
        uint[] words = new uint[length];
        new MaskExpander(1).Apply(words, [new MaskTerm(seed.ToArray(), MaskSign.Add)]);
        return words;
    }

    internal static ParallelOptions Options(int threads) => new() { MaxDegreeOfParallelism = Math.Max(1, threads) };

    private static void CheckSeed(byte[] seed)
    {
        ArgumentNullException.ThrowIfNull(seed);
        if (seed.Length != ShamirSecretSharing.SecretBytes)
            throw new ArgumentException($"a mask seed is {ShamirSecretSharing.SecretBytes} bytes, not {seed.Length}", nameof(seed));
    }

    private static byte[] PrgKey(byte[] seed) => HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, AesCtrKeystream.KeyBytes, salt: [], info: s_prgKeyInfo);

    private static void ApplyToSegments(uint[] target, byte[][] keys, bool[] subtract, int firstSegment, int endSegment)
    {
        if (firstSegment >= endSegment) return;
        var keystreams = new AesCtrKeystream[keys.Length];
        for (int m = 0; m < keys.Length; m++) keystreams[m] = new AesCtrKeystream(keys[m]);
        // Every mask's keystream over a segment encrypts the same counter blocks: write them once per segment.
        byte[] counters = new byte[SegmentWords * sizeof(uint)];
        byte[] scratch = new byte[SegmentWords * sizeof(uint)];
        for (int segment = firstSegment; segment < endSegment; segment++)
        {
            int start = segment * SegmentWords;
            Span<uint> part = target.AsSpan(start, Math.Min(SegmentWords, target.Length - start));
            // The last segment may end inside an AES block: generate the whole block, use its prefix.
            int wholeBlockBytes = (part.Length + WordsPerBlock - 1) / WordsPerBlock * AesCtrKeystream.BlockBytes;
            Span<byte> counterBlocks = counters.AsSpan(0, wholeBlockBytes);
            Span<byte> keystreamBytes = scratch.AsSpan(0, wholeBlockBytes);
            Span<uint> mask = MemoryMarshal.Cast<byte, uint>(keystreamBytes)[..part.Length];
            AesCtrKeystream.WriteCounterBlocks(start / WordsPerBlock, counterBlocks);
            for (int m = 0; m < keystreams.Length; m++)
            {
                keystreams[m].EncryptCounters(counterBlocks, keystreamBytes);
                if (!BitConverter.IsLittleEndian) BinaryPrimitives.ReverseEndianness(mask, mask);
                if (subtract[m]) TensorPrimitives.Subtract(part, mask, part);
                else TensorPrimitives.Add(part, mask, part);
            }
        }
    }
}
