using System.Buffers.Binary;
using CsCheck;

namespace FedFace.Fuzz.Tests;

/// <summary>
/// Mutated copies of real inputs, as a fuzzer makes them: bit flips, bytes and 32-bit words set to boundary values,
/// truncations, deletions, insertions and splices with another input. Positions lean towards the start, where headers
/// and lengths are. One to six mutations a case.
/// </summary>
public static class Mutations
{
    /// <summary>Values at the edges of signed and unsigned ranges, where length and size checks go wrong.</summary>
    public static readonly uint[] Boundaries = [0, 1, 2, 0x7F, 0x80, 0xFF, 0x100, 0x7FFF, 0x8000, 0xFFFF, 0x10000, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFE, 0xFFFFFFFF];

    private enum Kind { FlipBit, SetByte, SetWordLittleEndian, SetWordBigEndian, Truncate, Delete, Insert, Splice }

    private sealed record Mutation(Kind Kind, double Where, uint Value, int Other);

    /// <summary>A 32-bit value that is a boundary value half the time and anything the other half.</summary>
    public static readonly Gen<uint> Word = Gen.Frequency((1, Gen.OneOf(Boundaries)), (1, Gen.UInt));

    public static Gen<byte[]> Of(IReadOnlyList<byte[]> seeds)
    {
        ArgumentOutOfRangeException.ThrowIfZero(seeds.Count);
        Gen<Mutation> mutation = Gen.Select(Gen.Int[0, 7], Gen.Double[0, 1], Word, Gen.Int[0, seeds.Count - 1],
            (kind, where, value, other) => new Mutation((Kind)kind, where, value, other));
        return Gen.Select(Gen.Int[0, seeds.Count - 1], mutation.Array[1, 6], (seed, mutations) =>
            mutations.Aggregate(seeds[seed], (bytes, m) => Apply(bytes, m, seeds)));
    }

    private static byte[] Apply(byte[] bytes, Mutation m, IReadOnlyList<byte[]> seeds)
    {
        int at = (int)(m.Where * m.Where * bytes.Length); // squared: most mutations land near the start
        int run = (int)(m.Value % 32) + 1;
        switch (m.Kind)
        {
            case Kind.FlipBit when bytes.Length > 0:
                return With(bytes, b => b[Math.Min(at, b.Length - 1)] ^= (byte)(1 << (int)(m.Value % 8)));
            case Kind.SetByte when bytes.Length > 0:
                return With(bytes, b => b[Math.Min(at, b.Length - 1)] = (byte)m.Value);
            case Kind.SetWordLittleEndian when bytes.Length >= 4:
                return With(bytes, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan(Math.Min(at, b.Length - 4)), m.Value));
            case Kind.SetWordBigEndian when bytes.Length >= 4:
                return With(bytes, b => BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(Math.Min(at, b.Length - 4)), m.Value));
            case Kind.Truncate:
                return bytes[..at];
            case Kind.Delete:
                return [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + run)..]];
            case Kind.Insert:
                return [.. bytes[..at], .. Enumerable.Range(0, run).Select(i => (byte)(m.Value >> (i % 4 * 8))), .. bytes[at..]];
            case Kind.Splice:
                byte[] other = seeds[m.Other];
                return [.. bytes[..at], .. other[Math.Min(other.Length, at)..]];
            default:
                return bytes;
        }
    }

    private static byte[] With(byte[] bytes, Action<byte[]> change)
    {
        byte[] copy = (byte[])bytes.Clone();
        change(copy);
        return copy;
    }
}
