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
