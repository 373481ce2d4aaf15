using System.Runtime.InteropServices;
using System.Security.Cryptography;

namespace FedFace.Core.Privacy;

/// <summary>
/// Uniform 64-bit words for the exact samplers, a block at a time. Production noise comes from
/// <see cref="CryptoRandomWords"/>; tests inject a seeded source to check distributions against the exact pmf. The block is
/// wiped when disposed: the words decide secret noise.
/// </summary>
public abstract class RandomWords : IDisposable
{
    private const int BlockWords = 1024;
    private readonly ulong[] _block = new ulong[BlockWords];
    private int _next = BlockWords;
    private ulong _bits;
    private int _bitsLeft;

    /// <summary>The next uniform word.</summary>
    public ulong Next()
    {
        if (_next == BlockWords)
        {
            Refill(MemoryMarshal.AsBytes(_block.AsSpan()));
            _next = 0;
        }
        return _block[_next++];
    }

    /// <summary>The next uniform bit (64 to a word): most coins are decided by their first two.</summary>
    public bool NextBit()
    {
        if (_bitsLeft == 0)
        {
            _bits = Next();
            _bitsLeft = 64;
        }
        bool bit = (_bits & 1) != 0;
        _bits >>= 1;
        _bitsLeft--;
        return bit;
    }

    /// <summary>A uniform multiple of 2⁻⁵³ in [0, 1): for stochastic rounding of data, never to decide noise.</summary>
    public double NextFraction() => (Next() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Fills <paramref name="block"/> with uniform bytes.</summary>
    protected abstract void Refill(Span<byte> block);

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        Array.Clear(_block);
        _next = BlockWords;
        (_bits, _bitsLeft) = (0, 0);
    }
}

/// <summary>Words from the operating system's cryptographic generator: noise an observer could predict protects nothing.</summary>
public sealed class CryptoRandomWords : RandomWords
{
    protected override void Refill(Span<byte> block) => RandomNumberGenerator.Fill(block);
}
