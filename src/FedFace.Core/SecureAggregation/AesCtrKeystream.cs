using System.Buffers.Binary;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Engines;
using Org.BouncyCastle.Crypto.Parameters;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// AES-128 in counter mode (BouncyCastle's AES; AES-NI through <see cref="AesEngine_X86"/> where the CPU has
/// it): block i of the keystream is AES_k(i) with i as a 128-bit big-endian counter starting at 0, which is
/// what BouncyCastle's <c>SicBlockCipher</c> gives for a zero IV. Random access by block index lets several
/// threads expand one mask side by side. BouncyCastle's ChaCha20 stream path works byte by byte (about 20×
/// slower here), hence AES. Not thread-safe: one instance per thread.
/// </summary>
public sealed class AesCtrKeystream
{
    public const int KeyBytes = 16;
    public const int BlockBytes = 16;
    private const int FourBlocks = 4 * BlockBytes;

    private readonly IBlockCipher? _portable;
    private AesEngine_X86 _aesNi; // a struct: a readonly field would make every call act on a copy
    private byte[]? _counters; // only for Generate: callers that share counter blocks (EncryptCounters) need none

    public AesCtrKeystream(ReadOnlySpan<byte> key)
    {
        if (key.Length != KeyBytes) throw new ArgumentException($"an AES-128 key is {KeyBytes} bytes, not {key.Length}", nameof(key));
        var parameters = new KeyParameter(key);
        if (AesEngine_X86.IsSupported) _aesNi.Init(forEncryption: true, parameters);
        else
        {
            _portable = AesUtilities.CreateEngine();
            _portable.Init(forEncryption: true, parameters);
        }
    }

    /// <summary>Writes keystream blocks <paramref name="firstBlock"/>, firstBlock + 1, … into
    /// <paramref name="destination"/>, whose length must be a whole number of 16-byte blocks.</summary>
    public void Generate(long firstBlock, Span<byte> destination)
    {
        CheckWholeBlocks(destination.Length, nameof(destination));
        if (_counters is null || _counters.Length < destination.Length) _counters = new byte[destination.Length];
        Span<byte> counters = _counters.AsSpan(0, destination.Length);
        WriteCounterBlocks(firstBlock, counters);
        EncryptCounters(counters, destination);
    }

    /// <summary>The counter blocks firstBlock, firstBlock + 1, … (128-bit big-endian): the same for every key, so
    /// many keystreams over one range of blocks can share them (<see cref="EncryptCounters"/>).</summary>
    public static void WriteCounterBlocks(long firstBlock, Span<byte> counters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(firstBlock);
        CheckWholeBlocks(counters.Length, nameof(counters));
        counters.Clear(); // the upper 64 bits of every counter are zero
        long block = firstBlock;
        for (int offset = 0; offset < counters.Length; offset += BlockBytes, block++)
        {
            BinaryPrimitives.WriteInt64BigEndian(counters[(offset + 8)..], block);
        }
    }

    /// <summary>The keystream for the blocks whose counters <see cref="WriteCounterBlocks"/> wrote.</summary>
    public void EncryptCounters(ReadOnlySpan<byte> counters, Span<byte> destination)
    {
        if (destination.Length != counters.Length)
            throw new ArgumentException($"{counters.Length} bytes of counter blocks give as many of keystream, not {destination.Length}", nameof(destination));
        CheckWholeBlocks(counters.Length, nameof(counters));
        int done = 0;
        if (_portable is null)
        {
            // Four independent blocks in flight keep the AES units busy; one at a time waits on each.
            for (; done + FourBlocks <= counters.Length; done += FourBlocks)
                _aesNi.ProcessFourBlocks(counters.Slice(done, FourBlocks), destination.Slice(done, FourBlocks));
            for (; done < counters.Length; done += BlockBytes)
                _aesNi.ProcessBlock(counters.Slice(done, BlockBytes), destination.Slice(done, BlockBytes));
            return;
        }
        for (; done < counters.Length; done += BlockBytes)
            _portable.ProcessBlock(counters.Slice(done, BlockBytes), destination.Slice(done, BlockBytes));
    }

    private static void CheckWholeBlocks(int length, string parameter)
    {
        if (length % BlockBytes != 0) throw new ArgumentException($"keystream is generated in whole {BlockBytes}-byte blocks", parameter);
    }
}
