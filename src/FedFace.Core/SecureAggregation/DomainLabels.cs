using System.Security.Cryptography;

namespace FedFace.Core.SecureAggregation;

/// <summary>
/// The data each key derivation and signature covers. Every item starts with its own label, so a value
/// made for one purpose can never be taken for another, and binds the round configuration's digest (hence
/// the round id) and the site ids involved, so nothing carries over to another round or another pair.
/// </summary>
internal static class DomainLabels
{
    /// <summary>Key that encrypts the shares between two sites: HKDF-SHA256 over X25519(cᵢ, cⱼ).</summary>
    public static byte[] ShareEncryptionKey(byte[] agreement, RoundConfiguration configuration, string a, string b) =>
        Derive(agreement, "fedface-secagg/v1/share-key", configuration, a, b);

    /// <summary>Seed of the pairwise mask sᵢⱼ: HKDF-SHA256 over X25519(sᵢ, sⱼ); the same from both ends.</summary>
    public static byte[] PairwiseMaskSeed(byte[] agreement, RoundConfiguration configuration, string a, string b) =>
        Derive(agreement, "fedface-secagg/v1/pairwise-mask", configuration, a, b);

    /// <summary>Associated data of one encrypted share pair: round, sender and recipient.</summary>
    public static byte[] ShareAssociatedData(RoundConfiguration configuration, string sender, string recipient) =>
        new WireWriter().String("fedface-secagg/v1/share").Raw(configuration.Digest).Int64(configuration.RoundId)
            .String(sender).String(recipient).ToArray();

    /// <summary>What a key advertisement's signature covers.</summary>
    public static byte[] AdvertisementSigned(long roundId, byte[] configurationDigest, string siteId, byte[] cipherPublicKey,
        byte[] maskPublicKey, byte[] selfMaskCommitment) =>
        new WireWriter().String("fedface-secagg/v1/advertise").Raw(configurationDigest).Int64(roundId).String(siteId)
            .Bytes(cipherPublicKey).Bytes(maskPublicKey).Bytes(selfMaskCommitment).ToArray();

    /// <summary>What a masked input's signature covers: the round, the site and SHA-256 of the vector.</summary>
    public static byte[] MaskedInputSigned(long roundId, byte[] configurationDigest, string siteId, ReadOnlySpan<uint> values)
    {
        // Hash the words as they sit in memory (little-endian, the wire order) rather than copy megabytes first.
        byte[] vectorHash = BitConverter.IsLittleEndian
            ? SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values))
            : SHA256.HashData(new WireWriter(values.Length * sizeof(uint) + 4).Words(values).ToArray().AsSpan(sizeof(int)));
        return new WireWriter().String("fedface-secagg/v1/masked-input").Raw(configurationDigest).Int64(roundId).String(siteId)
            .Raw(vectorHash).ToArray();
    }

    /// <summary>What a survivor's signature over the survivor set U3 covers: the round, the signer and the set, in ordinal
    /// order so that every site signs the same bytes for the same set.</summary>
    public static byte[] SurvivorSetSigned(long roundId, byte[] configurationDigest, string siteId, IEnumerable<string> survivors) =>
        new WireWriter().String("fedface-secagg/v1/survivor-set").Raw(configurationDigest).Int64(roundId).String(siteId)
            .Strings([.. survivors.Order(StringComparer.Ordinal)]).ToArray();

    /// <summary>SHA-256 commitment to a self-mask seed, published (signed) in stage 0 so the server can tell a
    /// correctly reconstructed seed from one rebuilt from a wrong share.</summary>
    public static byte[] SelfMaskCommitment(RoundConfiguration configuration, string siteId, ReadOnlySpan<byte> seed) =>
        SHA256.HashData(new WireWriter().String("fedface-secagg/v1/self-mask").Raw(configuration.Digest).String(siteId).Bytes(seed).ToArray());

    private static byte[] Derive(byte[] agreement, string label, RoundConfiguration configuration, string a, string b)
    {
        // Both ends must derive the same key: order the pair.
        (string low, string high) = string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a);
        byte[] info = new WireWriter().String(label).Int64(configuration.RoundId).String(low).String(high).ToArray();
        return HKDF.DeriveKey(HashAlgorithmName.SHA256, agreement, ShamirSecretSharing.SecretBytes, salt: configuration.Digest, info: info);
    }
}
