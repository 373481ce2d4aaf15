using System.Runtime.InteropServices;
using System.Security.Cryptography;
using FedFace.Core.SecureAggregation;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Modes;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace FedFace.Core.Tests.SecureAggregation;

public class MaskExpanderTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(MaskExpander.SegmentWords + 5)]
    public void The_mask_is_the_AES_128_CTR_keystream_of_HKDF_of_the_seed(int length)
    {
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        byte[] key = HKDF.DeriveKey(HashAlgorithmName.SHA256, seed, 16, [], "fedface-secagg/v1/mask-prg"u8.ToArray());
        // BouncyCastle's own counter mode with a zero IV is the reference.
        var ctr = new BufferedBlockCipher(new SicBlockCipher(AesUtilities.CreateEngine()));
        ctr.Init(true, new ParametersWithIV(new KeyParameter(key), new byte[16]));
        byte[] zeros = new byte[(length * 4 + 15) / 16 * 16];
        byte[] expected = ctr.DoFinal(zeros);
        uint[] mask = MaskExpander.Expand(seed, length);
        Assert.Equal(MemoryMarshal.Cast<byte, uint>(expected.AsSpan(0, length * 4)).ToArray(), mask);
    }

    [Fact]
    public void Adding_then_subtracting_the_same_masks_restores_the_vector_and_threads_do_not_change_the_result()
    {
        var random = new Random(3);
        uint[] original = [.. Enumerable.Range(0, 3 * MaskExpander.SegmentWords + 17).Select(_ => (uint)random.Next())];
        MaskTerm[] masks = [.. Enumerable.Range(0, 5).Select(i => new MaskTerm(RandomNumberGenerator.GetBytes(32), i % 2 == 0 ? MaskSign.Add : MaskSign.Subtract))];

        uint[] serial = (uint[])original.Clone();
        new MaskExpander(1).Apply(serial, masks);
        uint[] parallel = (uint[])original.Clone();
        new MaskExpander(3).Apply(parallel, masks);
        Assert.Equal(serial, parallel);
        Assert.NotEqual(original, serial);

        new MaskExpander(2).Apply(serial, [.. masks.Select(m => m with { Sign = m.Sign == MaskSign.Add ? MaskSign.Subtract : MaskSign.Add })]);
        Assert.Equal(original, serial);
    }

    [Theory]
    [InlineData(1, 1, 1)]
    [InlineData(7, 40, 2)]
    [InlineData(MaskExpander.SegmentWords, 3, 3)]
    [InlineData(2 * MaskExpander.SegmentWords + 6, 25, 2)]
    [InlineData(5 * MaskExpander.SegmentWords - 1, 9, 4)]
    public void Many_masks_over_shared_counter_blocks_equal_each_mask_expanded_on_its_own_and_added(int length, int maskCount, int threads)
    {
        var random = new Random(length + maskCount);
        uint[] original = [.. Enumerable.Range(0, length).Select(_ => (uint)random.Next())];
        MaskTerm[] masks = [.. Enumerable.Range(0, maskCount).Select(_ => new MaskTerm(RandomNumberGenerator.GetBytes(32), random.Next(2) == 0 ? MaskSign.Add : MaskSign.Subtract))];

        // The straightforward way: every mask as its own full-length array, added or subtracted word by word.
        uint[] expected = (uint[])original.Clone();
        foreach (MaskTerm mask in masks)
        {
            uint[] words = MaskExpander.Expand(mask.Seed, length);
            for (int i = 0; i < length; i++) expected[i] = mask.Sign == MaskSign.Add ? unchecked(expected[i] + words[i]) : unchecked(expected[i] - words[i]);
        }

        uint[] actual = (uint[])original.Clone();
        new MaskExpander(threads).Apply(actual, masks);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Shared_counter_blocks_encrypt_to_the_keystream_generate_gives()
    {
        byte[] key = RandomNumberGenerator.GetBytes(AesCtrKeystream.KeyBytes);
        var keystream = new AesCtrKeystream(key);
        byte[] generated = new byte[37 * AesCtrKeystream.BlockBytes];
        keystream.Generate(1_000_003, generated);
        byte[] counters = new byte[generated.Length];
        AesCtrKeystream.WriteCounterBlocks(1_000_003, counters);
        byte[] encrypted = new byte[generated.Length];
        new AesCtrKeystream(key).EncryptCounters(counters, encrypted);
        Assert.Equal(generated, encrypted);
        Assert.Throws<ArgumentException>(() => keystream.EncryptCounters(counters, new byte[16]));
        Assert.Throws<ArgumentException>(() => AesCtrKeystream.WriteCounterBlocks(0, new byte[15]));
    }

    [Fact]
    public void A_mask_is_the_sum_of_its_words_mod_two_to_the_32()
    {
        byte[] seed = RandomNumberGenerator.GetBytes(32);
        uint[] expected = MaskExpander.Expand(seed, 100);
        uint[] target = [.. Enumerable.Range(0, 100).Select(i => (uint)i)];
        new MaskExpander(1).Apply(target, [new MaskTerm(seed, MaskSign.Add)]);
        for (int i = 0; i < 100; i++) Assert.Equal(unchecked(expected[i] + (uint)i), target[i]);
        Assert.Throws<ArgumentException>(() => new MaskExpander().Apply(target, [new MaskTerm(new byte[16], MaskSign.Add)]));
    }
}
