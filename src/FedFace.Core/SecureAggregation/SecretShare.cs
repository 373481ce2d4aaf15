using System.Buffers.Binary;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// One holder's Shamir share of a 32-byte secret: the evaluation point <see cref="X"/> (the holder's
/// 1-based position in the round's site list) and one field element per secret chunk.
/// </summary>
public sealed record SecretShare(int X, ulong[] Chunks)
{
    /// <summary>Bytes of <see cref="ToBytes"/>: one little-endian 64-bit word per chunk (X travels with the holder's id).</summary>
    public const int ByteLength = ShamirSecretSharing.ChunkCount * sizeof(ulong);

    public byte[] ToBytes()
    {
        byte[] bytes = new byte[ByteLength];
        for (int c = 0; c < Chunks.Length; c++) BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(c * sizeof(ulong)), Chunks[c]);
        return bytes;
    }

    /// <exception cref="FormatException">wrong length, or a chunk that is not a field element.</exception>
    public static SecretShare FromBytes(int x, ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length != ByteLength) throw new FormatException($"a secret share is {ByteLength} bytes, not {bytes.Length}");
        ulong[] chunks = new ulong[ShamirSecretSharing.ChunkCount];
        for (int c = 0; c < chunks.Length; c++)
        {
            chunks[c] = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(c * sizeof(ulong))..]);
            if (chunks[c] >= Mersenne61.Prime) throw new FormatException("a secret share chunk is not an element of GF(2^61 - 1)");
        }
        return new SecretShare(x, chunks);
    }
}
