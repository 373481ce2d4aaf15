using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Security;

namespace FedFace.Core.SecureAggregation;

/// <summary>A fresh X25519 key pair for one round (BouncyCastle); the private key never leaves the site
/// except as Shamir shares of the mask key.</summary>
internal sealed class SecAggKeyPair
{
    public const int KeyBytes = 32; // X25519 private and public keys alike
    private static readonly SecureRandom s_random = new();

    private SecAggKeyPair(X25519PrivateKeyParameters privateKey)
    {
        Private = privateKey;
        PublicKey = privateKey.GeneratePublicKey().GetEncoded();
    }

    public X25519PrivateKeyParameters Private { get; }

    public byte[] PublicKey { get; }

    public static SecAggKeyPair Generate()
    {
        lock (s_random) return new SecAggKeyPair(new X25519PrivateKeyParameters(s_random));
    }

    /// <summary>The key pair of a private key recovered from shares (the server, for a site that dropped).</summary>
    public static SecAggKeyPair FromPrivateKey(ReadOnlySpan<byte> privateKey) => new(new X25519PrivateKeyParameters(privateKey));

    public byte[] PrivateKeyBytes() => Private.GetEncoded();

    /// <summary>X25519(own private, peer public).</summary>
    /// <exception cref="SecAggProtocolException">the peer's key is a low-order point (the shared secret would be zero).</exception>
    public byte[] Agree(byte[] peerPublicKey, string peerSiteId)
    {
        if (peerPublicKey.Length != KeyBytes)
            throw new SecAggProtocolException($"the X25519 public key of site '{peerSiteId}' is {peerPublicKey.Length} bytes, not {KeyBytes}");
        byte[] secret = new byte[KeyBytes];
        try
        {
            Private.GenerateSecret(new X25519PublicKeyParameters(peerPublicKey), secret, 0);
        }
        catch (InvalidOperationException e)
        {
            throw new SecAggProtocolException($"key agreement with site '{peerSiteId}' failed: its X25519 public key is a low-order point", e);
        }
        return secret;
    }
}
