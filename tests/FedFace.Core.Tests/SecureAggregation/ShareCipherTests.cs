using System.Security.Cryptography;
using FedFace.Core.SecureAggregation;

namespace FedFace.Core.Tests.SecureAggregation;

public class ShareCipherTests
{
    private static readonly RoundConfiguration s_round = new(3, ["a", "b", "c"], 2, 2, new byte[32], 4, 1, 1, 1);

    private static (EncryptedShare Share, byte[] Key, SecretShare Seed, SecretShare MaskKey) Encrypted()
    {
        byte[] key = RandomNumberGenerator.GetBytes(32);
        SecretShare seed = ShamirSecretSharing.Split(RandomNumberGenerator.GetBytes(32), 2, [2, 3])[0] with { X = 2 };
        SecretShare maskKey = ShamirSecretSharing.Split(RandomNumberGenerator.GetBytes(32), 2, [2, 3])[0] with { X = 2 };
        return (ShareCipher.Encrypt(key, s_round, "a", "b", seed, maskKey), key, seed, maskKey);
    }

    [Fact]
    public void The_recipient_decrypts_both_shares_at_its_own_point()
    {
        (EncryptedShare share, byte[] key, SecretShare seed, SecretShare maskKey) = Encrypted();
        (SecretShare gotSeed, SecretShare gotKey) = ShareCipher.Decrypt(key, s_round, share);
        Assert.Equal(seed.Chunks, gotSeed.Chunks);
        Assert.Equal(maskKey.Chunks, gotKey.Chunks);
        Assert.Equal(s_round.ShamirPointOf("b"), gotSeed.X);
    }

    [Fact]
    public void A_tampered_share_is_detected_and_names_sender_and_recipient()
    {
        (EncryptedShare share, byte[] key, _, _) = Encrypted();
        byte[] altered = (byte[])share.Ciphertext.Clone();
        altered[5] ^= 1;
        var error = Assert.Throws<SecAggProtocolException>(() => ShareCipher.Decrypt(key, s_round, share with { Ciphertext = altered }));
        Assert.Contains("from site 'a' to site 'b'", error.Message);
        Assert.Contains("failed authentication", error.Message);
    }

    [Fact]
    public void A_share_redirected_to_another_recipient_or_round_fails_authentication()
    {
        (EncryptedShare share, byte[] key, _, _) = Encrypted();
        Assert.Throws<SecAggProtocolException>(() => ShareCipher.Decrypt(key, s_round, share with { RecipientId = "c" }));
        var otherRound = new RoundConfiguration(4, ["a", "b", "c"], 2, 2, new byte[32], 4, 1, 1, 1);
        Assert.Throws<SecAggProtocolException>(() => ShareCipher.Decrypt(key, otherRound, share));
        Assert.Throws<SecAggProtocolException>(() => ShareCipher.Decrypt(RandomNumberGenerator.GetBytes(32), s_round, share));
    }
}
