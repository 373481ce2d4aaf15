namespace FedFace.Core.SecureAggregation;

/// <summary>
/// The pairwise masks of Bonawitz et al.: sites i and j derive the same seed sᵢⱼ = HKDF(X25519(sᵢ, sⱼ));
/// the one whose id sorts first (ordinal) adds PRG(sᵢⱼ), the other subtracts it, so the pair cancels in
/// the sum. The server rebuilds the seed from a dropped site's reconstructed key to take out what its
/// surviving neighbours added.
/// </summary>
internal static class PairwiseMasks
{
    /// <summary>How <paramref name="site"/> applies its mask with <paramref name="peer"/>.</summary>
    public static MaskSign SignFor(string site, string peer) => string.CompareOrdinal(site, peer) < 0 ? MaskSign.Add : MaskSign.Subtract;

    public static MaskSign Opposite(MaskSign sign) => sign == MaskSign.Add ? MaskSign.Subtract : MaskSign.Add;

    public static byte[] Seed(SecAggKeyPair ownMaskKeys, string ownId, string peerId, byte[] peerMaskPublicKey, RoundConfiguration configuration) =>
        DomainLabels.PairwiseMaskSeed(ownMaskKeys.Agree(peerMaskPublicKey, peerId), configuration, ownId, peerId);
}
