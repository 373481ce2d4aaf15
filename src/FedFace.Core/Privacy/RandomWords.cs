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
    }
}

/// <summary>Words from the operating system's cryptographic generator: noise an observer could predict protects nothing.</summary>
public sealed class CryptoRandomWords : RandomWords
{
    protected override void Refill(Span<byte> block) => RandomNumberGenerator.Fill(block);
}
