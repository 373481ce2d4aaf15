namespace FedFace.Core.SecureAggregation;

/// <summary>
/// Stage 0, site → server → the site's neighbours: the site's two fresh X25519 public keys (c, for the
/// encryption of shares; s, for pairwise masks) and a commitment to its self-mask seed, bound to the round
/// and its configuration and signed with the site's certificate key (see <see cref="DomainLabels.AdvertisementSigned"/>).
/// </summary>
public sealed record KeyAdvertisement(long RoundId, byte[] ConfigurationDigest, string SiteId, byte[] CipherPublicKey,
    byte[] MaskPublicKey, byte[] SelfMaskCommitment, byte[] Signature)
{
    /// <summary>The bytes <see cref="Signature"/> signs.</summary>
    public byte[] SignedBytes() => DomainLabels.AdvertisementSigned(RoundId, ConfigurationDigest, SiteId, CipherPublicKey, MaskPublicKey, SelfMaskCommitment);

    /// <summary>Why this advertisement must be refused in <paramref name="configuration"/>'s round (naming
    /// the site), or null when it is well formed and signed by the site's certificate key.</summary>
    public string? Problem(RoundConfiguration configuration, SiteKeyRing siteKeys)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(siteKeys);
        string who = $"the key advertisement of site '{SiteId}'";
        if (RoundId != configuration.RoundId) return $"{who} is for round {RoundId}, not round {configuration.RoundId}";
        if (!configuration.Contains(SiteId)) return $"{who} comes from a site not sampled for round {configuration.RoundId}";
        if (!ConfigurationDigest.AsSpan().SequenceEqual(configuration.Digest))
            return $"{who} was made for a different configuration of round {RoundId} (the server showed sites different configurations)";
        if (CipherPublicKey.Length != SecAggKeyPair.KeyBytes || MaskPublicKey.Length != SecAggKeyPair.KeyBytes)
            return $"{who} does not carry two {SecAggKeyPair.KeyBytes}-byte X25519 public keys";
        if (SelfMaskCommitment.Length != 32) return $"{who} carries a {SelfMaskCommitment.Length}-byte self-mask commitment, not 32";
        if (CipherPublicKey.AsSpan().SequenceEqual(MaskPublicKey)) return $"{who} uses one key for both purposes";
        return siteKeys.Verify(SiteId, SignedBytes(), Signature, out string reason) ? null : $"{who} is forged: {reason}";
    }

    public byte[] ToBytes() => Write(WireFormat.Start(WireFormat.KeyAdvertisement)).ToArray();

    public static KeyAdvertisement FromBytes(byte[] bytes)
    {
        var reader = new WireReader(bytes, "key advertisement");
        reader.Header(WireFormat.KeyAdvertisement);
        KeyAdvertisement advertisement = Read(reader);
        reader.End();
        return advertisement;
    }

    internal WireWriter Write(WireWriter writer) => writer.Int64(RoundId).Bytes(ConfigurationDigest).String(SiteId)
        .Bytes(CipherPublicKey).Bytes(MaskPublicKey).Bytes(SelfMaskCommitment).Bytes(Signature);

    internal static KeyAdvertisement Read(WireReader reader) => new(RoundId: reader.Int64(), ConfigurationDigest: reader.Bytes(),
        SiteId: reader.String(), CipherPublicKey: reader.Bytes(), MaskPublicKey: reader.Bytes(), SelfMaskCommitment: reader.Bytes(),
        Signature: reader.Bytes());
}
