using FedFace.Protocol;

namespace FedFace.Aggregator.SecureAggregation;

/// <summary>
/// A masked input's byte form as its chunks arrive. Memory follows the data, not the header: the array is allocated with
/// the first bytes and grows (doubling, capped at the declared length) as more arrive, so a stream that declares a
/// model-sized input and then sends nothing holds nothing (<see cref="AllocatedBytes"/>).
/// </summary>
public sealed class MaskedInputBuffer(int declaredBytes)
{
    private byte[] _bytes = [];

    public int DeclaredBytes { get; } = declaredBytes > 0
        ? declaredBytes
        : throw new ArgumentOutOfRangeException(nameof(declaredBytes), declaredBytes, "a masked input holds at least one byte");

    public int ReceivedBytes { get; private set; }

    public long AllocatedBytes => _bytes.LongLength;

    public bool IsComplete => ReceivedBytes == DeclaredBytes;

    /// <summary>Appends a chunk; false (nothing appended) when it would hold more than declared.</summary>
    public bool TryAppend(ReadOnlySpan<byte> chunk)
    {
        if (chunk.Length > DeclaredBytes - ReceivedBytes)
        {
            return false;
        }
        int needed = ReceivedBytes + chunk.Length;
        if (needed > _bytes.Length)
        {
            // Doubling keeps the copies linear overall; the cap makes the last array exactly the declared length.
            Array.Resize(ref _bytes, (int)Math.Min(DeclaredBytes, Math.Max(needed, Math.Max(2L * _bytes.Length, TensorWire.DefaultChunkBytes))));
        }
        chunk.CopyTo(_bytes.AsSpan(ReceivedBytes));
        ReceivedBytes = needed;
        return true;
    }

    /// <summary>The whole byte form, once every declared byte arrived.</summary>
    public byte[] Complete() => IsComplete
        ? _bytes
        : throw new InvalidOperationException($"the masked input holds {ReceivedBytes} of its {DeclaredBytes} declared bytes");
}
