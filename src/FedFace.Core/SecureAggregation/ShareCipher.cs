using System.Security.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// Encrypts a share pair (b-share ‖ s-share, 80 bytes) from one site to another with ChaCha20-Poly1305
/// (BouncyCastle) under the pair's share key, a random 96-bit nonce, and associated data binding the round,
/// sender and recipient, so the server can neither read a share nor pass it off as another pair's.
/// </summary>
internal static class ShareCipher
{
    public const int NonceBytes = 12;
    private const int TagBits = 128;

    public static EncryptedShare Encrypt(byte[] key, RoundConfiguration configuration, string sender, string recipient,
        SecretShare selfMaskSeedShare, SecretShare maskKeyShare)
    {
        byte[] plaintext = [.. selfMaskSeedShare.ToBytes(), .. maskKeyShare.ToBytes()];
        byte[] nonce = RandomNumberGenerator.GetBytes(NonceBytes);
        var aead = new Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305();
        aead.Init(forEncryption: true, new AeadParameters(new KeyParameter(key), TagBits, nonce, DomainLabels.ShareAssociatedData(configuration, sender, recipient)));
        byte[] ciphertext = new byte[aead.GetOutputSize(plaintext.Length)];
        int written = aead.ProcessBytes(plaintext, 0, plaintext.Length, ciphertext, 0);
        aead.DoFinal(ciphertext, written);
        CryptographicOperations.ZeroMemory(plaintext);
        return new EncryptedShare(sender, recipient, nonce, ciphertext);
    }

    /// <exception cref="SecAggProtocolException">authentication failed: the share was altered, or was not
    /// made by <see cref="EncryptedShare.SenderId"/> for <see cref="EncryptedShare.RecipientId"/> in this round.</exception>
    public static (SecretShare SelfMaskSeed, SecretShare MaskKey) Decrypt(byte[] key, RoundConfiguration configuration, EncryptedShare share)
    {
        string failure = $"the encrypted share from site '{share.SenderId}' to site '{share.RecipientId}' in round {configuration.RoundId} "
            + "failed authentication (tampered with, or not encrypted by that sender for that recipient)";
        if (share.Nonce.Length != NonceBytes) throw new SecAggProtocolException($"{failure}: its nonce is {share.Nonce.Length} bytes, not {NonceBytes}");
        var aead = new Org.BouncyCastle.Crypto.Modes.ChaCha20Poly1305();
        aead.Init(forEncryption: false, new AeadParameters(new KeyParameter(key), TagBits, share.Nonce,
            DomainLabels.ShareAssociatedData(configuration, share.SenderId, share.RecipientId)));
        byte[] plaintext = new byte[aead.GetOutputSize(share.Ciphertext.Length)];
        try
        {
            int written = aead.ProcessBytes(share.Ciphertext, 0, share.Ciphertext.Length, plaintext, 0);
            written += aead.DoFinal(plaintext, written);
            if (written != 2 * SecretShare.ByteLength) throw new SecAggProtocolException($"{failure}: it holds {written} bytes, not {2 * SecretShare.ByteLength}");
            int point = configuration.ShamirPointOf(share.RecipientId);
            return (SecretShare.FromBytes(point, plaintext.AsSpan(0, SecretShare.ByteLength)),
                SecretShare.FromBytes(point, plaintext.AsSpan(SecretShare.ByteLength)));
        }
        catch (Exception e) when (e is InvalidCipherTextException or DataLengthException or FormatException)
        {
            throw new SecAggProtocolException(failure, e);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plaintext);
        }
    }
}
